# ptx.mk: whether the committed PTX matches its sources, decided by content
# (the SHA-256 each PTX carries, see ptx-stale.sh), not by file times: a
# fresh clone stamps every file at checkout, so times say nothing. Included
# by kernels/Makefile (KDIR = .) and the top-level Makefile (KDIR = kernels)
# when their goal is to build the kernels. It sets PTX_STALE to the stale
# targets, relative to KDIR, and:
#   - all fresh: prints one line and leaves PTX_STALE empty (nvcc not needed);
#   - some stale, $(NVCC) missing: stops with one line naming them and how to
#     get nvcc;
#   - some stale, $(NVCC) present: the including Makefile rebuilds exactly
#     PTX_STALE.

PTX_STALE := $(shell sh $(KDIR)/ptx-stale.sh $(KDIR) $(SM90))
PTX_COUNT := $(words $(wildcard $(KDIR)/src/*.cu) $(SM90))

ifeq ($(PTX_STALE),)
$(info kernels: all $(PTX_COUNT) PTX files in kernels/ptx match the SHA-256 of their sources; nothing to build (nvcc not needed))
else ifeq ($(shell command -v $(NVCC) 2>/dev/null),)
$(error kernels: $(PTX_STALE:%=kernels/%) no longer match their sources and $(NVCC) is not installed to rebuild them: install the CUDA toolkit (Debian: enable non-free, then apt-get install nvidia-cuda-toolkit; or NVIDIA's cuda-toolkit packages) and rerun make kernels)
endif
