package org.nifiltx.nifi.service;

import org.apache.nifi.components.DescribedValue;

/** The ONNX Runtime execution providers the service offers; the value is the backend name {@code Backends.find} takes. */
public enum BackendChoice implements DescribedValue {
    CPU("cpu", "CPU", "ONNX Runtime CPU execution provider (the reference)."),
    CUDA("cuda", "CUDA", "ONNX Runtime CUDA execution provider on the GPU of Device Index; needs the onnxruntime_gpu build and CUDA libraries.");

    private final String value;
    private final String displayName;
    private final String description;

    BackendChoice(final String value, final String displayName, final String description) {
        this.value = value;
        this.displayName = displayName;
        this.description = description;
    }

    @Override
    public String getValue() {
        return value;
    }

    @Override
    public String getDisplayName() {
        return displayName;
    }

    @Override
    public String getDescription() {
        return description;
    }
}
