package org.nifiltx.core.error;

/** What went wrong, coarse enough for a NiFi operator or a CLI exit code to act on. */
public enum LtxErrorCode {
    /** A file the request names does not exist or cannot be read. */
    FILE_NOT_FOUND,
    /** A safetensors, GGUF or JSON file is structurally broken. */
    CORRUPT_FILE,
    /** A checkpoint lacks a tensor or config entry the model needs, or has one of the wrong shape. */
    CHECKPOINT_MISMATCH,
    /** A tensor given as input has the wrong name, dtype, rank or shape. */
    INVALID_TENSOR,
    /** A tensor holds NaN or infinity. */
    NON_FINITE,
    /** A request parameter (size, frame count, steps, ...) is outside what the model accepts. */
    INVALID_ARGUMENT,
    /** The requested backend, execution provider or precision is not available here. */
    BACKEND_UNAVAILABLE,
    /** The backend failed while running a graph. */
    BACKEND_FAILURE,
    /** Not enough memory for the request. */
    OUT_OF_MEMORY,
    /** The request asks for something this build does not implement. */
    UNSUPPORTED,
    /** An output (video, frames, tensors, a model file) cannot be written: a read-only folder, a full disk, a path through a file. */
    WRITE_FAILED,
    /** The caller stopped the work between two steps (see {@code ProgressListener#cancelled()}). */
    CANCELLED
}
