//! Build script of doppio-accel. Without the `cuda` feature it does nothing: nothing about
//! CUDA is compiled or required. With it, it compiles `cuda/*.cu` with nvcc (from `NVCC`,
//! else `PATH`) against sppark's and blst's headers for sm_90 (H100/H200) and links the
//! static CUDA runtime, so the binary runs (and reports "no driver") on hosts without a GPU.

fn main() {
    #[cfg(feature = "cuda")]
    cuda::build();
}

#[cfg(feature = "cuda")]
mod cuda {
    use std::{
        env,
        path::{Path, PathBuf},
        process::Command,
    };

    /// How to get a toolchain, repeated in every error about a missing one.
    const HOW_TO_GET_NVCC: &str = "install the CUDA 13.0 toolchain from PyPI with \
        `scripts/cuda-toolchain.sh` (it prints NVCC=...; export it), or by hand: \
        `python3 -m venv V && V/bin/pip install nvidia-cuda-nvcc==13.0.88 \
        nvidia-cuda-runtime==13.0.96 nvidia-nvvm==13.0.88 nvidia-cuda-crt==13.0.88 \
        nvidia-cuda-cccl`, `ln -s lib V/lib/python3.11/site-packages/nvidia/cu13/lib64` (nvcc \
        links from lib64/) and `export NVCC=$PWD/V/lib/python3.11/site-packages/nvidia/cu13/bin/nvcc`; \
        or build without `--features cuda`";

    /// The CUDA sources, one translation unit each so that a change recompiles only one.
    const SOURCES: [&str; 4] = ["cuda/msm.cu", "cuda/ntt.cu", "cuda/ec_ntt.cu", "cuda/device.cu"];

    pub(super) fn build() {
        println!("cargo:rerun-if-env-changed=NVCC");
        println!("cargo:rerun-if-changed=cuda");
        let nvcc = find_nvcc().unwrap_or_else(|why| fail(&why));
        let version = nvcc_version(&nvcc).unwrap_or_else(|why| fail(&why));
        let sppark = dep_dir("DEP_SPPARK_ROOT", "sppark");
        let blst = dep_dir("DEP_BLST_C_SRC", "blst");

        let mut build = cc::Build::new();
        build
            .cuda(true)
            // The runtime is linked below, after our objects, from the toolkit nvcc is in.
            // cc picks nvcc itself (NVCC, else `nvcc` on PATH: what find_nvcc checked) and
            // only then knows to wrap host flags in -Xcompiler.
            .cudart("none")
            // Debug profiles would otherwise get `-G` (unoptimised device code: slow to
            // build, far slower to run) and `-O0`; kernels are always built optimised.
            .debug(false)
            .opt_level(3)
            .include(&sppark)
            .include(&blst)
            .flag("-arch=sm_90")
            .flag("-std=c++17")
            .define("FEATURE_BN254", None)
            .define("__ADX__", None)
            // sppark's errors then carry their message (freed by sppark::Error's Drop).
            .define("TAKE_RESPONSIBILITY_FOR_ERROR_MESSAGE", None)
            // sppark's headers are noisy under nvcc's default warnings; ours are small.
            .flag("-Xcompiler")
            .flag("-Wno-unused-function")
            .warnings(false);
        for source in SOURCES {
            println!("cargo:rerun-if-changed={source}");
            build.file(source);
        }
        build.compile("doppio_accel_cuda");

        // cudart_static lives in the toolkit's lib/ (lib64/ in system installs) next to
        // nvcc's bin/ (after symlinks: /usr/bin/nvcc may point into a toolkit); elsewhere
        // the linker's default paths must have it. It needs the C++ runtime, pthreads, dl
        // and rt on Linux.
        let real = nvcc.canonicalize().unwrap_or_else(|_| nvcc.clone());
        let root = real.parent().and_then(Path::parent).map(Path::to_path_buf);
        let lib_dir = ["lib64", "lib", "targets/x86_64-linux/lib"]
            .iter()
            .filter_map(|lib| root.as_ref().map(|r| r.join(lib)))
            .find(|dir| dir.join("libcudart_static.a").is_file());
        if let Some(dir) = lib_dir {
            println!("cargo:rustc-link-search=native={}", dir.display());
        }
        println!("cargo:rustc-link-lib=static=cudart_static");
        for lib in ["stdc++", "dl", "rt", "pthread"] {
            println!("cargo:rustc-link-lib=dylib={lib}");
        }
        println!("cargo:rustc-env=DOPPIO_NVCC_VERSION={version}");
    }

    fn fail(why: &str) -> ! {
        panic!("\n\ndoppio-accel feature `cuda`: {why}\nTo fix: {HOW_TO_GET_NVCC}\n\n");
    }

    /// `NVCC` if set (a path or a name on `PATH`), else `nvcc` on `PATH`.
    fn find_nvcc() -> Result<PathBuf, String> {
        let wanted = env::var_os("NVCC").unwrap_or_else(|| "nvcc".into());
        let wanted = PathBuf::from(wanted);
        if wanted.components().count() > 1 {
            return if wanted.is_file() {
                Ok(wanted)
            } else {
                Err(format!("NVCC={} does not exist", wanted.display()))
            };
        }
        env::var_os("PATH")
            .iter()
            .flat_map(env::split_paths)
            .map(|dir| dir.join(&wanted))
            .find(|p| p.is_file())
            .ok_or_else(|| {
                format!(
                    "nvcc (the CUDA compiler) was not found: NVCC is unset and `{}` is not on PATH",
                    wanted.display()
                )
            })
    }

    /// The `release X.Y` of `nvcc --version`; also proves the binary runs.
    fn nvcc_version(nvcc: &Path) -> Result<String, String> {
        let out = Command::new(nvcc)
            .arg("--version")
            .output()
            .map_err(|e| format!("could not run {}: {e}", nvcc.display()))?;
        let text = String::from_utf8_lossy(&out.stdout);
        let release = text.split("release ").nth(1).and_then(|s| s.split(',').next());
        match (out.status.success(), release) {
            (true, Some(v)) => Ok(v.trim().to_owned()),
            _ => Err(format!("{} --version failed or printed no release: {text}", nvcc.display())),
        }
    }

    /// A header directory a dependency's build script exported (`links` metadata).
    fn dep_dir(var: &str, dep: &str) -> PathBuf {
        match env::var_os(var) {
            Some(dir) if Path::new(&dir).is_dir() => PathBuf::from(dir),
            _ => fail(&format!("{var} (the {dep} headers) is not set by the {dep} crate's build")),
        }
    }
}
