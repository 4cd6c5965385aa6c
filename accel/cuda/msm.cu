// BN254 G1 multi-scalar multiplication on the GPU: sppark's Pippenger (msm/pippenger.cuh).
//
// Data as the host wrapper (accel/src/cuda/ffi.rs) lays it out, all little-endian 64-bit
// limbs in Montgomery form, exactly arkworks' in-memory field representation:
//   points  : n × {x[4], y[4]}              (affine; the identity is x = y = 0)
//   scalars : n × s[4]                      (Fr in Montgomery form; mont = true below
//                                            makes sppark convert them on the device)
//   out     : {X[4], Y[4], Z[4]}            (Jacobian, like arkworks' G1Projective;
//                                            Z = 0 is the identity)
#include <cuda.h>

#include <ec/jacobian_t.hpp>
#include <ec/xyzz_t.hpp>
#include <ff/alt_bn128.hpp>

typedef jacobian_t<fp_t> point_t;
typedef xyzz_t<fp_t> bucket_t;
typedef bucket_t::affine_t affine_t;
typedef fr_t scalar_t;

#include <msm/pippenger.cuh>

#ifndef __CUDA_ARCH__
extern "C" RustError doppio_bn254_msm(point_t* out, const affine_t points[], size_t npoints,
                                      const scalar_t scalars[])
{
    return mult_pippenger<bucket_t>(out, points, npoints, scalars, true);
}
#endif
