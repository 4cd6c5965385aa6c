// Device time of a span of work on one stream, from a pair of CUDA events. Timing never
// fails a job: where an event cannot be created, recorded or read, the span reports -1
// (unknown), and the error the failed call left behind is cleared so that sppark's later
// cudaGetLastError checks do not mistake it for a kernel failure.
#ifndef DOPPIO_SPAN_CUH
#define DOPPIO_SPAN_CUH

#include <cuda_runtime.h>

class doppio_span_t {
    cudaEvent_t start_ = nullptr, stop_ = nullptr;
    bool ok_ = false;

    static bool check(cudaError_t err)
    {
        if (err == cudaSuccess)
            return true;
        (void)cudaGetLastError();
        return false;
    }

public:
    explicit doppio_span_t(cudaStream_t stream)
    {
        ok_ = check(cudaEventCreate(&start_)) && check(cudaEventCreate(&stop_)) &&
              check(cudaEventRecord(start_, stream));
    }
    doppio_span_t(const doppio_span_t&) = delete;
    doppio_span_t& operator=(const doppio_span_t&) = delete;

    // Records the end on `stream`, waits for it and returns the elapsed milliseconds, or -1.
    float stop(cudaStream_t stream)
    {
        float ms = -1.0f;
        if (ok_ && check(cudaEventRecord(stop_, stream)) && check(cudaEventSynchronize(stop_)) &&
            check(cudaEventElapsedTime(&ms, start_, stop_)))
            return ms;
        return -1.0f;
    }

    ~doppio_span_t()
    {
        if (start_)
            (void)cudaEventDestroy(start_);
        if (stop_)
            (void)cudaEventDestroy(stop_);
    }
};

#endif
