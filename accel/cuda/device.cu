// Device discovery and memory queries for the host wrapper. Plain CUDA runtime calls; the
// codes returned are cudaError_t values (35 = cudaErrorInsufficientDriver: no driver).
#include <cuda_runtime.h>
#include <cstddef>
#include <cstring>

extern "C" int doppio_cuda_device_count(int* count)
{
    *count = 0;
    return (int)cudaGetDeviceCount(count);
}

// Name, compute capability and memory of device `id`; `name` gets at most `name_len` bytes
// including the terminating zero.
extern "C" int doppio_cuda_device_info(int id, char* name, size_t name_len, int* major,
                                       int* minor, size_t* total_mem)
{
    cudaDeviceProp prop;
    cudaError_t err = cudaGetDeviceProperties(&prop, id);
    if (err != cudaSuccess)
        return (int)err;
    if (name_len > 0) {
        strncpy(name, prop.name, name_len - 1);
        name[name_len - 1] = 0;
    }
    *major = prop.major;
    *minor = prop.minor;
    *total_mem = prop.totalGlobalMem;
    return 0;
}

// Free and total memory of the current device.
extern "C" int doppio_cuda_mem_info(size_t* free_bytes, size_t* total_bytes)
{
    *free_bytes = 0;
    *total_bytes = 0;
    return (int)cudaMemGetInfo(free_bytes, total_bytes);
}

// A static description of a cudaError_t code (never freed).
extern "C" const char* doppio_cuda_error_string(int code)
{
    return cudaGetErrorString((cudaError_t)code);
}

// Page-locked host memory for staging transfers (cudaHostAlloc); *ptr is null on failure.
extern "C" int doppio_cuda_host_alloc(void** ptr, size_t bytes)
{
    *ptr = nullptr;
    cudaError_t err = cudaHostAlloc(ptr, bytes, cudaHostAllocDefault);
    if (err != cudaSuccess) {
        *ptr = nullptr;
        (void)cudaGetLastError(); // not sticky: clear it so later checks do not see it
    }
    return (int)err;
}

// Frees memory from doppio_cuda_host_alloc.
extern "C" int doppio_cuda_host_free(void* ptr)
{
    return (int)cudaFreeHost(ptr);
}
