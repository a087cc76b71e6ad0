package org.nifiltx.nifi.service;

import org.apache.nifi.components.AllowableValue;

/** The compute precisions the service offers on ONNX Runtime (the CLI's --precision values). */
final class PrecisionChoice {
    static final AllowableValue AUTO = new AllowableValue("auto", "Auto", "int8 on CPUs with int8 dot-product instructions "
            + "(AVX-512 VNNI, AVX-VNNI, AMX), else fp32; fp32 on CUDA.");
    static final AllowableValue FP32 = new AllowableValue("fp32", "FP32",
            "Full precision: matches the reference implementations within the fixtures' tolerances.");
    static final AllowableValue INT8 = new AllowableValue("int8", "INT8", "CPU only: int8 weights (per output channel) and "
            + "dynamically quantized activations in the transformer's and T5's linear layers and the VAE's large convolutions; "
            + "norms, attention, embeddings and final projections stay fp32. Frames stay within 35 dB PSNR of fp32.");
    static final AllowableValue BF16 = new AllowableValue("bf16", "BF16 storage", "CPU: block weights, convolutions and "
            + "the T5 embedding table held as bf16 (half the memory of fp32) and widened to fp32 layer by layer; compute is "
            + "fp32, a little slower than FP32. For machines where the fp32 weights do not fit.");

    private PrecisionChoice() {
    }
}
