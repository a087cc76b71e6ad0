package org.nifiltx.nifi.api;

/**
 * Where an enabled model runs on this node, as resolved from the service's properties (whose values may come from the
 * node's environment, so nodes of one cluster differ): provenance and attributes carry it so a video can be traced to
 * the accelerator that made it.
 *
 * @param backend   the ONNX Runtime backend, e.g. "cpu" or "cuda"
 * @param device    the device ordinal (0 on the CPU)
 * @param precision the precision computed in, after Auto was resolved, e.g. "fp32"
 */
public record LtxPlacement(String backend, int device, String precision) {

    /** "cuda:1 fp32": the backend, its device and the precision. */
    public String describe() {
        return backend + ":" + device + " " + precision;
    }
}
