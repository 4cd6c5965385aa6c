// BN254 Fr NTT on the GPU: sppark's NTT (ntt/ntt.cuh), natural order in and out.
//
// Elements are 4 little-endian 64-bit limbs in Montgomery form (arkworks' Fr layout; sppark's
// fr_t for alt_bn128 is the same Montgomery representation). sppark's roots of unity for
// BN254 are arkworks' (the host crate tests the constants), so the forward transform
// evaluates at ω^i like Radix2EvaluationDomain::fft, and the inverse includes the 1/n
// factor like ::ifft. Coset offsets are applied by the host wrapper (any offset, as
// arkworks' get_coset), not by sppark's fixed-generator coset type.
//
// *device_ms gets the device time (CUDA events on the stream sppark's NTT::Base uses, from
// before the copy in to after the copy out), or -1 where it could not be measured.
#include <cuda.h>

#include <ff/alt_bn128.hpp>
#include <ntt/ntt.cuh>

#include "span.cuh"

#ifndef __CUDA_ARCH__
extern "C" RustError doppio_bn254_ntt(fr_t* inout, uint32_t lg_domain_size, bool inverse,
                                      float* device_ms)
{
    *device_ms = -1.0f;
    try {
        const gpu_t& gpu = select_gpu();
        gpu.select();
        doppio_span_t span{gpu};
        RustError err = NTT::Base(gpu, inout, lg_domain_size, NTT::InputOutputOrder::NN,
                                  inverse ? NTT::Direction::inverse : NTT::Direction::forward,
                                  NTT::Type::standard);
        float ms = span.stop(gpu);
        if (err.code == cudaSuccess)
            *device_ms = ms;
        return err;
    } catch (const cuda_error& e) {
        return RustError{e.code(), e.what()};
    } catch (const std::exception& e) {
        return RustError{cudaErrorUnknown, e.what()};
    }
}
#endif
