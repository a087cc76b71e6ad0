package org.nifiltx.core.backend;

import java.nio.file.Files;
import java.nio.file.Path;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;

/**
 * How to run components.
 *
 * @param backend           backend name: {@code cpu}, {@code cuda} or {@code tensorrt}
 * @param precision         compute precision ({@code AUTO} is resolved by the backend from the CPU it runs on)
 * @param threads           intra-op threads, 0 for one per core
 * @param deviceId          GPU ordinal for GPU backends
 * @param cacheDir          where reduced-precision weights (int8, bf16) are kept between runs; null: made at every load
 * @param memoryBudgetBytes host memory a generation may use (VAE decode tiling, which components stay open together,
 *                          see {@code MemoryPlan}); 0 for {@link #defaultMemoryBudgetBytes()}
 * @param textEncoderOnce   the text encoder serves one prompt (pair) before it closes (one {@code ltx generate}, a service
 *                          releasing it after each prompt): its weights are then not repacked when it opens but per call.
 *                          T5-XXL int8 from the weight cache: open 14.2 → 0.7 s and 5061 → 635 MiB of anonymous memory
 *                          (the weights stay file pages of the cache), a 128-token encode 0.57 → 1.94 s
 */
public record BackendOptions(String backend, Precision precision, int threads, int deviceId, Path cacheDir,
        long memoryBudgetBytes, boolean textEncoderOnce) {
    /** Folder name of the weight cache beside a model. */
    public static final String CACHE_FOLDER = ".nifi-ltx-cache";
    /** Share of physical memory a generation may use when no budget is given. */
    public static final double DEFAULT_BUDGET_SHARE = 0.5;

    public BackendOptions {
        if (memoryBudgetBytes < 0) {
            throw new LtxException(LtxErrorCode.INVALID_ARGUMENT,
                    "memory budget must be positive, got " + memoryBudgetBytes + " bytes");
        }
    }

    public BackendOptions(final String backend, final Precision precision, final int threads, final int deviceId,
            final Path cacheDir, final long memoryBudgetBytes) {
        this(backend, precision, threads, deviceId, cacheDir, memoryBudgetBytes, false);
    }

    public BackendOptions(final String backend, final Precision precision, final int threads, final int deviceId,
            final Path cacheDir) {
        this(backend, precision, threads, deviceId, cacheDir, 0);
    }

    public BackendOptions(final String backend, final Precision precision, final int threads, final int deviceId) {
        this(backend, precision, threads, deviceId, null);
    }

    public static BackendOptions cpu() {
        return new BackendOptions("cpu", Precision.FP32, 0, 0);
    }

    public BackendOptions withPrecision(final Precision newPrecision) {
        return new BackendOptions(backend, newPrecision, threads, deviceId, cacheDir, memoryBudgetBytes, textEncoderOnce);
    }

    public BackendOptions withCacheDir(final Path newCacheDir) {
        return new BackendOptions(backend, precision, threads, deviceId, newCacheDir, memoryBudgetBytes, textEncoderOnce);
    }

    /** These options with a memory budget of {@code bytes} (0: the default). */
    public BackendOptions withMemoryBudget(final long bytes) {
        return new BackendOptions(backend, precision, threads, deviceId, cacheDir, bytes, textEncoderOnce);
    }

    /** These options with {@code textEncoderOnce} set (see the record's description). */
    public BackendOptions withTextEncoderOnce(final boolean once) {
        return new BackendOptions(backend, precision, threads, deviceId, cacheDir, memoryBudgetBytes, once);
    }

    /** The memory budget in bytes: the one given, else {@link #defaultMemoryBudgetBytes()}. */
    public long effectiveMemoryBudgetBytes() {
        return memoryBudgetBytes > 0 ? memoryBudgetBytes : defaultMemoryBudgetBytes();
    }

    /** Default budget: half the machine's physical memory ({@link org.nifiltx.core.memory.MemoryBudget#defaultBytes()}). */
    public static long defaultMemoryBudgetBytes() {
        return org.nifiltx.core.memory.MemoryBudget.defaultBytes();
    }

    /**
     * These options with {@code auto} made concrete for this machine: int8 on a CPU with int8 dot-product instructions
     * (VNNI, AMX), else fp32; GPU backends compute fp32 unless told otherwise.
     */
    public BackendOptions resolved() {
        if (precision != Precision.AUTO) {
            return this;
        }
        return withPrecision("cpu".equals(backend) ? Precision.AUTO.resolve(CpuFeatures.detect()) : Precision.FP32);
    }

    /**
     * Where reduced weights of {@code model} are cached when nobody says: {@value #CACHE_FOLDER} beside the model (like
     * an engine cache), or {@code ~/.cache/nifi-ltx} where the model's folder is read-only or there is no model file.
     */
    public static Path defaultCacheDir(final Path model) {
        if (model != null) {
            final Path absolute = model.toAbsolutePath();
            final Path folder = Files.isDirectory(absolute) ? absolute : absolute.getParent();
            if (folder != null && Files.isWritable(folder)) {
                return folder.resolve(CACHE_FOLDER);
            }
        }
        return Path.of(System.getProperty("user.home"), ".cache", "nifi-ltx");
    }
}
