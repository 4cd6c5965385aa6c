// BN254 Fr NTT on the GPU: sppark's NTT (ntt/ntt.cuh), natural order in and out.
//
// Elements are 4 little-endian 64-bit limbs in Montgomery form (arkworks' Fr layout; sppark's
// fr_t for alt_bn128 is the same Montgomery representation). sppark's roots of unity for
// BN254 are arkworks' (the host crate tests the constants), so the forward transform
// evaluates at ω^i like Radix2EvaluationDomain::fft, and the inverse includes the 1/n
// factor like ::ifft. Coset offsets are applied by the host wrapper (any offset, as
// arkworks' get_coset), not by sppark's fixed-generator coset type.
#include <cuda.h>

#include <ff/alt_bn128.hpp>
#include <ntt/ntt.cuh>

#ifndef __CUDA_ARCH__
extern "C" RustError doppio_bn254_ntt(fr_t* inout, uint32_t lg_domain_size, bool inverse)
{
    try {
        const gpu_t& gpu = select_gpu();
        return NTT::Base(gpu, inout, lg_domain_size, NTT::InputOutputOrder::NN,
                         inverse ? NTT::Direction::inverse : NTT::Direction::forward,
                         NTT::Type::standard);
    } catch (const cuda_error& e) {
        return RustError{e.code(), e.what()};
    }
}
#endif
