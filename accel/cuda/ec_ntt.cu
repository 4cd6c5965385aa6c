// BN254 G1 EC-NTT on the GPU: an NTT whose elements are curve points and whose twiddles
// are field elements, out[k] = Σ_j ω^(jk)·in[j] (forward) or (1/n)·Σ_j ω^(-jk)·in[j]
// (inverse), natural order in and out: what the CPU backend's ec_ntt and arkworks' FFT over
// G1 compute. sppark has no such kernel; this one is ours.
//
// Radix-2 Cooley–Tukey, decimation in time: the input is permuted into bit-reversed order
// while it is converted to XYZZ coordinates, then lg n stages of butterflies
// (u, v) → (u + w·v, u − w·v), one kernel launch per stage and one thread per butterfly;
// w·v is a double-and-add scalar multiplication over w's 254 bits (w ≠ 1). The inverse
// multiplies every output by 1/n while converting back.
//
// Data (little-endian 64-bit limbs):
//   inout     : n × {X[4], Y[4], Z[4]}   Jacobian in Montgomery form, arkworks' G1Projective
//                                         fields (Z = 0 is the identity), overwritten in place
//   twiddles  : n/2 × w[4]               ω^k (forward) or ω^-k (inverse), k < n/2, canonical
//                                         integers (not Montgomery): the bits the scalar
//                                         multiplication walks
//   scale     : w[4] or null             1/n for the inverse, canonical
//
// The arithmetic (dbl, add, mul, the butterfly) is __host__ __device__ and the same code runs
// on the CPU in doppio_bn254_ec_ntt_host, which the crate's tests compare with the CPU
// backend on machines without a GPU.
#include <cuda.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <new>

#include <ff/alt_bn128.hpp>

#include "span.cuh"

// Named, not anonymous: the kernels keep external linkage, so the device pass (which does
// not see the host code that launches them) does not report them unused.
namespace doppio_ec_ntt {

// A point in XYZZ coordinates: x = X/ZZ, y = Y/ZZZ with ZZ^3 = ZZZ^2; ZZ = 0 is the identity.
struct xyzz_p {
    fp_t X, Y, ZZZ, ZZ;
};

// arkworks' Jacobian point: x = X/Z^2, y = Y/Z^3; Z = 0 is the identity.
struct jacobian_p {
    fp_t X, Y, Z;
};

__host__ __device__ inline bool is_inf(const xyzz_p& p)
{
    return (bool)p.ZZ.is_zero();
}

__host__ __device__ inline void set_inf(xyzz_p& p)
{
    p.ZZ.zero();
    p.ZZZ.zero();
}

// dbl-2008-s-1 (hyperelliptic.org EFD, short Weierstrass, a = 0). The identity stays the
// identity (ZZ3 = V·ZZ1 = 0); BN254 G1 has no point of order 2, so Y1 = 0 only there.
__host__ __device__ inline xyzz_p dbl(const xyzz_p& p)
{
    fp_t U = p.Y + p.Y;
    fp_t V = U ^ 2;
    fp_t W = U * V;
    fp_t S = p.X * V;
    fp_t M = p.X ^ 2;
    M = M + M + M;
    xyzz_p r;
    r.X = M ^ 2;
    r.X = r.X - S;
    r.X = r.X - S;
    r.Y = S - r.X;
    r.Y = r.Y * M;
    fp_t WY = W * p.Y;
    r.Y = r.Y - WY;
    r.ZZ = V * p.ZZ;
    r.ZZZ = W * p.ZZZ;
    return r;
}

// add-2008-s with the identity and p = ±q handled (doubling, or the identity).
__host__ __device__ inline xyzz_p add(const xyzz_p& p, const xyzz_p& q)
{
    if (is_inf(p))
        return q;
    if (is_inf(q))
        return p;
    fp_t U1 = p.X * q.ZZ;
    fp_t S1 = p.Y * q.ZZZ;
    fp_t P = q.X * p.ZZ;
    fp_t R = q.Y * p.ZZZ;
    P = P - U1; // U2 − U1
    R = R - S1; // S2 − S1
    if ((bool)P.is_zero()) {
        if ((bool)R.is_zero())
            return dbl(p);
        xyzz_p r = p;
        set_inf(r);
        return r;
    }
    fp_t PP = P ^ 2;
    fp_t PPP = P * PP;
    fp_t Q = U1 * PP;
    xyzz_p r;
    r.X = R ^ 2;
    r.X = r.X - PPP;
    r.X = r.X - Q;
    r.X = r.X - Q;
    r.Y = Q - r.X;
    r.Y = r.Y * R;
    fp_t SP = S1 * PPP;
    r.Y = r.Y - SP;
    r.ZZ = p.ZZ * q.ZZ;
    r.ZZ = r.ZZ * PP;
    r.ZZZ = p.ZZZ * q.ZZZ;
    r.ZZZ = r.ZZZ * PPP;
    return r;
}

__host__ __device__ inline xyzz_p neg(xyzz_p p)
{
    p.Y.cneg(true);
    return p;
}

// k·p, k a canonical 254-bit integer (four little-endian limbs), double-and-add from the
// top set bit.
__host__ __device__ inline xyzz_p mul(const xyzz_p& p, const uint64_t k[4])
{
    xyzz_p acc = p;
    set_inf(acc);
    bool started = false;
    for (int i = 255; i >= 0; i--) {
        if (started)
            acc = dbl(acc);
        if ((k[i >> 6] >> (i & 63)) & 1) {
            acc = started ? add(acc, p) : p;
            started = true;
        }
    }
    return acc;
}

__host__ __device__ inline xyzz_p from_jacobian(const jacobian_p& j)
{
    xyzz_p p;
    p.X = j.X;
    p.Y = j.Y;
    p.ZZ = j.Z ^ 2;
    p.ZZZ = p.ZZ * j.Z;
    return p;
}

// (X·ZZ, Y·ZZZ, ZZ): x = X·ZZ/ZZ^2 = X/ZZ and y = Y·ZZZ/ZZ^3 = Y/ZZZ since ZZ^3 = ZZZ^2;
// the identity (ZZ = 0) gives Z = 0.
__host__ __device__ inline jacobian_p to_jacobian(const xyzz_p& p)
{
    jacobian_p j;
    j.X = p.X * p.ZZ;
    j.Y = p.Y * p.ZZZ;
    j.Z = p.ZZ;
    return j;
}

__host__ __device__ inline size_t bit_reverse(size_t i, uint32_t lg_n)
{
    size_t r = 0;
    for (uint32_t b = 0; b < lg_n; b++)
        r |= ((i >> b) & 1) << (lg_n - 1 - b);
    return r;
}

// Butterfly t (0 ≤ t < n/2) of the stage that combines blocks of 2^s into blocks of 2^(s+1).
__host__ __device__ inline void butterfly(xyzz_p* a, const uint64_t* twiddles, uint32_t lg_n,
                                          uint32_t s, size_t t)
{
    size_t half = (size_t)1 << s;
    size_t j = t & (half - 1);
    size_t i0 = ((t >> s) << (s + 1)) | j;
    size_t i1 = i0 + half;
    size_t k = j << (lg_n - 1 - s); // ω_(2·half)^j = ω_n^(j·n/(2·half))
    xyzz_p v = k == 0 ? a[i1] : mul(a[i1], &twiddles[4 * k]);
    xyzz_p u = a[i0];
    a[i0] = add(u, v);
    a[i1] = add(u, neg(v));
}

__global__ void to_xyzz_bit_reversed(xyzz_p* out, const jacobian_p* in, uint32_t lg_n)
{
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < ((size_t)1 << lg_n))
        out[bit_reverse(i, lg_n)] = from_jacobian(in[i]);
}

__global__ void stage(xyzz_p* a, const uint64_t* twiddles, uint32_t lg_n, uint32_t s)
{
    size_t t = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (t < ((size_t)1 << (lg_n - 1)))
        butterfly(a, twiddles, lg_n, s, t);
}

__global__ void to_jacobian_scaled(jacobian_p* out, const xyzz_p* in, uint32_t lg_n,
                                   const uint64_t* scale)
{
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < ((size_t)1 << lg_n))
        out[i] = to_jacobian(scale != nullptr ? mul(in[i], scale) : in[i]);
}

} // namespace doppio_ec_ntt

#ifndef __CUDA_ARCH__
using namespace doppio_ec_ntt;

namespace {

// Threads per block: every thread holds a few points of 128 bytes in registers.
constexpr unsigned THREADS = 128;

inline unsigned blocks(size_t threads)
{
    return (unsigned)((threads + THREADS - 1) / THREADS);
}

// Device buffers, a stream, and whatever failed first; everything freed on destruction.
struct job_t {
    cudaStream_t stream = nullptr;
    jacobian_p* d_io = nullptr;
    xyzz_p* d_points = nullptr;
    uint64_t* d_twiddles = nullptr;
    cudaError_t err = cudaSuccess;

    bool ok(cudaError_t e)
    {
        if (err == cudaSuccess && e != cudaSuccess)
            err = e;
        return err == cudaSuccess;
    }
    bool launched()
    {
        return ok(cudaGetLastError());
    }
    ~job_t()
    {
        if (stream != nullptr)
            (void)cudaStreamSynchronize(stream);
        (void)cudaFree(d_io);
        (void)cudaFree(d_points);
        (void)cudaFree(d_twiddles);
        if (stream != nullptr)
            (void)cudaStreamDestroy(stream);
        if (err != cudaSuccess)
            (void)cudaGetLastError();
    }
};

} // namespace

// The transform on the device; returns a cudaError_t code (0 = success), and the device
// time in *device_ms (-1 if it could not be measured). `inout` is only written by the final
// copy, so on an error before it the input is intact (the host wrapper keeps it anyway).
extern "C" int doppio_bn254_ec_ntt(uint64_t* inout_limbs, uint32_t lg_n,
                                   const uint64_t* twiddles, const uint64_t* scale,
                                   float* device_ms)
{
    jacobian_p* inout = reinterpret_cast<jacobian_p*>(inout_limbs);
    *device_ms = -1.0f;
    if (lg_n == 0)
        return cudaSuccess;
    size_t n = (size_t)1 << lg_n;
    size_t tw_words = 4 * (n / 2 + 1); // the twiddles, then the scale
    job_t job;
    if (!job.ok(cudaStreamCreateWithFlags(&job.stream, cudaStreamNonBlocking)) ||
        !job.ok(cudaMalloc(&job.d_io, n * sizeof(jacobian_p))) ||
        !job.ok(cudaMalloc(&job.d_points, n * sizeof(xyzz_p))) ||
        !job.ok(cudaMalloc(&job.d_twiddles, tw_words * sizeof(uint64_t))))
        return job.err;
    doppio_span_t span{job.stream};
    uint64_t* d_scale = scale != nullptr ? job.d_twiddles + 4 * (n / 2) : nullptr;
    if (!job.ok(cudaMemcpyAsync(job.d_io, inout, n * sizeof(jacobian_p), cudaMemcpyHostToDevice,
                                job.stream)) ||
        !job.ok(cudaMemcpyAsync(job.d_twiddles, twiddles, 4 * (n / 2) * sizeof(uint64_t),
                                cudaMemcpyHostToDevice, job.stream)))
        return job.err;
    if (d_scale != nullptr &&
        !job.ok(cudaMemcpyAsync(d_scale, scale, 4 * sizeof(uint64_t), cudaMemcpyHostToDevice,
                                job.stream)))
        return job.err;
    to_xyzz_bit_reversed<<<blocks(n), THREADS, 0, job.stream>>>(job.d_points, job.d_io, lg_n);
    if (!job.launched())
        return job.err;
    for (uint32_t s = 0; s < lg_n; s++) {
        stage<<<blocks(n / 2), THREADS, 0, job.stream>>>(job.d_points, job.d_twiddles, lg_n, s);
        if (!job.launched())
            return job.err;
    }
    to_jacobian_scaled<<<blocks(n), THREADS, 0, job.stream>>>(job.d_io, job.d_points, lg_n,
                                                             d_scale);
    if (!job.launched() ||
        !job.ok(cudaMemcpyAsync(inout, job.d_io, n * sizeof(jacobian_p), cudaMemcpyDeviceToHost,
                                job.stream)) ||
        !job.ok(cudaStreamSynchronize(job.stream)))
        return job.err;
    *device_ms = span.stop(job.stream);
    return cudaSuccess;
}

// The same transform on the CPU, one butterfly at a time with the same code (sppark's host
// field arithmetic instead of the device's): a check of the algorithm, the coordinates and
// the data layout that needs no GPU. Slow; for small test sizes only. Returns false if the
// host memory could not be allocated.
extern "C" bool doppio_bn254_ec_ntt_host(uint64_t* inout_limbs, uint32_t lg_n,
                                         const uint64_t* twiddles, const uint64_t* scale)
{
    if (lg_n == 0)
        return true;
    jacobian_p* inout = reinterpret_cast<jacobian_p*>(inout_limbs);
    size_t n = (size_t)1 << lg_n;
    xyzz_p* a = new (std::nothrow) xyzz_p[n];
    if (a == nullptr)
        return false;
    for (size_t i = 0; i < n; i++)
        a[bit_reverse(i, lg_n)] = from_jacobian(inout[i]);
    for (uint32_t s = 0; s < lg_n; s++)
        for (size_t t = 0; t < n / 2; t++)
            butterfly(a, twiddles, lg_n, s, t);
    for (size_t i = 0; i < n; i++)
        inout[i] = to_jacobian(scale != nullptr ? mul(a[i], scale) : a[i]);
    delete[] a;
    return true;
}
#endif
