// BN254 G1 multi-scalar multiplication on the GPU: sppark's Pippenger (msm/pippenger.cuh).
//
// Data as the host wrapper (accel/src/cuda/ffi.rs) lays it out, all little-endian 64-bit
// limbs in Montgomery form, exactly arkworks' in-memory field representation:
//   points  : n × {x[4], y[4]}              (affine; the identity is x = y = 0)
//   scalars : n × s[4]                      (Fr in Montgomery form; mont = true below
//                                            makes sppark convert them on the device)
//   out     : {X[4], Y[4], Z[4]}            (Jacobian, like arkworks' G1Projective;
//                                            Z = 0 is the identity)
//
// Two ways in: doppio_bn254_msm uploads the points with the scalars for one MSM; a
// resident set (doppio_bn254_msm_resident_*) uploads the points once into an msm_t that
// stays on the device, and each MSM then uploads only its scalars and runs over a prefix
// of the resident points (sppark's msm_t reads preloaded points when given none).
//
// Every entry point returns an error instead of throwing, and reports the device time of
// the MSM (CUDA events on sppark's stream 2, which starts each MSM and is the last to be
// waited on) in *device_ms, or -1 where it could not be measured.
#include <cuda.h>

#include <new>

#include <ec/jacobian_t.hpp>
#include <ec/xyzz_t.hpp>
#include <ff/alt_bn128.hpp>

typedef jacobian_t<fp_t> point_t;
typedef xyzz_t<fp_t> bucket_t;
typedef bucket_t::affine_t affine_t;
typedef fr_t scalar_t;

#include <msm/pippenger.cuh>

#include "span.cuh"

#ifndef __CUDA_ARCH__
typedef msm_t<bucket_t, point_t, affine_t, scalar_t> doppio_msm_t;

// Deletes an msm_t. Its destructor synchronises and frees through calls that throw on
// error, and an exception out of a destructor ends the process: after a device error
// (which leaves the context unusable anyway) the msm_t is leaked instead.
static RustError release(doppio_msm_t* msm)
{
    if (msm == nullptr)
        return RustError{cudaSuccess};
    cudaError_t err = cudaDeviceSynchronize();
    if (err != cudaSuccess) {
        (void)cudaGetLastError();
        return RustError{err, "cudaDeviceSynchronize before freeing an MSM context"};
    }
    delete msm;
    return RustError{cudaSuccess};
}

// One MSM with `msm`: over host `points` if given, else over the points it holds.
static RustError run(doppio_msm_t* msm, point_t* out, const affine_t* points, size_t npoints,
                     const scalar_t* scalars, float* device_ms)
{
    *device_ms = -1.0f;
    out->inf();
    try {
        const gpu_t& gpu = select_gpu();
        doppio_span_t span{gpu[2]};
        RustError err = msm->invoke(*out, points, npoints, scalars, true);
        float ms = span.stop(gpu[2]);
        if (err.code == cudaSuccess)
            *device_ms = ms;
        return err;
    } catch (const cuda_error& e) {
        return RustError{e.code(), e.what()};
    } catch (const std::exception& e) {
        return RustError{cudaErrorUnknown, e.what()};
    }
}

// Builds an msm_t for `npoints` points, uploading `points` if given (then synchronously:
// the host buffer may go as soon as this returns).
static RustError create(doppio_msm_t** out, const affine_t* points, size_t npoints)
{
    *out = nullptr;
    doppio_msm_t* msm = nullptr;
    try {
        msm = new doppio_msm_t{points, npoints};
        if (points != nullptr)
            select_gpu().sync();
    } catch (const cuda_error& e) {
        (void)release(msm);
        return RustError{e.code(), e.what()};
    } catch (const std::bad_alloc&) {
        (void)release(msm);
        return RustError{cudaErrorMemoryAllocation, "host allocation of an MSM context"};
    } catch (const std::exception& e) {
        (void)release(msm);
        return RustError{cudaErrorUnknown, e.what()};
    }
    *out = msm;
    return RustError{cudaSuccess};
}

extern "C" RustError doppio_bn254_msm(point_t* out, const affine_t points[], size_t npoints,
                                      const scalar_t scalars[], float* device_ms)
{
    *device_ms = -1.0f;
    out->inf();
    doppio_msm_t* msm = nullptr;
    RustError err = create(&msm, nullptr, npoints);
    if (err.code != cudaSuccess)
        return err;
    err = run(msm, out, points, npoints, scalars, device_ms);
    RustError freed = release(msm);
    return err.code != cudaSuccess ? err : freed;
}

// Uploads `npoints` points into a new resident set; *handle is null unless it succeeds.
extern "C" RustError doppio_bn254_msm_resident_new(void** handle, const affine_t points[],
                                                   size_t npoints)
{
    doppio_msm_t* msm = nullptr;
    RustError err = create(&msm, points, npoints);
    *handle = msm;
    return err;
}

// An MSM over the first `npoints` points of a resident set (at most as many as it holds).
extern "C" RustError doppio_bn254_msm_resident(void* handle, point_t* out, size_t npoints,
                                               const scalar_t scalars[], float* device_ms)
{
    return run(static_cast<doppio_msm_t*>(handle), out, static_cast<const affine_t*>(nullptr),
               npoints, scalars, device_ms);
}

// Frees a resident set (leaked instead after a device error, see release).
extern "C" RustError doppio_bn254_msm_resident_free(void* handle)
{
    return release(static_cast<doppio_msm_t*>(handle));
}
#endif
