package org.nifiltx.onnx.runtime;

/** ONNX Runtime execution providers nifi-ltx can ask for. */
public enum ExecutionProvider {
    /** Always present; the reference for every other backend. */
    CPU,
    /** Needs the onnxruntime_gpu artifact with CUDA 12 and cuDNN 9 on the host. */
    CUDA
}
