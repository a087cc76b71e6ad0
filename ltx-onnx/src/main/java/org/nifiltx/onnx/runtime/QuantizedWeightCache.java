package org.nifiltx.onnx.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.nifiltx.core.backend.Precision;
import org.nifiltx.core.checkpoint.WeightStore;
import org.nifiltx.core.safetensors.SafeTensors;
import org.nifiltx.core.tensor.LazyTensor;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;
import org.nifiltx.onnx.graph.Fp8Calibration;
import org.nifiltx.onnx.graph.QuantizedWeights;

/**
 * Reduced-precision weights on disk, so int8 quantization happens once per checkpoint and not at every start: one
 * safetensors file per (component, precision, weights), mapped back zero-copy and handed to ONNX Runtime as is. The
 * key is a SHA-256 over every weight's name, dtype, shape and three 4 KiB samples of its stored bytes (cheap at 10+ GB, and
 * any retrained or re-exported checkpoint changes it), plus the quantization scheme version and the weights' variant (the
 * LoRA adapters and scales merged in). Files are written to a
 * temporary name and moved into place: a crash never leaves a half-written cache that a later start would trust. On a
 * miss, weights are written to that temporary file as they are made ({@link SpillingWeights}), so the first start
 * holds them no more than later ones do.
 */
public final class QuantizedWeightCache {
    /** Bumped whenever the quantization arithmetic or the stored layout changes: old files are then ignored. */
    public static final int SCHEME_VERSION = 1;
    private static final int SAMPLE = 4096;
    private static final Logger LOG = Logger.getLogger(QuantizedWeightCache.class.getName());

    private final Path directory;

    /** @param directory the cache folder; null keeps nothing on disk */
    public QuantizedWeightCache(final Path directory) {
        this.directory = directory;
    }

    /** The file that holds (or will hold) {@code weights} of {@code component} in {@code precision}. */
    public Path fileFor(final String component, final Precision precision, final WeightStore weights) {
        return directory.resolve(component + "-" + precision.label() + "-" + key(precision, weights).substring(0, 24)
                + ".safetensors");
    }

    /** A store preloaded from the cache file when there is one (else empty: it computes what the graph asks for). */
    public QuantizedWeights open(final String component, final Precision precision, final WeightStore weights) {
        if (directory == null || precision == Precision.FP32) {
            return QuantizedWeights.inMemory();
        }
        final Path file = fileFor(component, precision, weights);
        if (Files.isRegularFile(file)) {
            try {
                return QuantizedWeights.preloaded(SafeTensors.read(file).tensors());
            } catch (final RuntimeException e) {
                LOG.log(Level.WARNING, "ignoring unreadable weight cache " + file + " (" + e.getMessage() + "); requantizing");
            }
        }
        try {
            Files.createDirectories(directory);
            return new SpillingWeights(directory, headerReservation(weights));
        } catch (final IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot write the weight cache in " + directory + " (" + e.getMessage()
                    + "); quantizing in memory");
            return QuantizedWeights.inMemory();
        }
    }

    /**
     * Header space for every tensor a store of {@code weights} may make: per weight its values and scale (or its
     * bf16 copy, or a calibrated range), each entry its name plus dtype, shape and offsets in well under 160 bytes.
     */
    static long headerReservation(final WeightStore weights) {
        long bytes = 4096;
        for (final String name : weights.keys()) {
            bytes += 3L * (name.length() + 32 + 160);
        }
        return bytes;
    }

    /** Drops what a store wrote for a cache it will not finish (its component failed to open). */
    public void discard(final QuantizedWeights store) {
        if (store instanceof SpillingWeights spilling && spilling.written() != null) {
            spilling.written().close();
            try {
                Files.deleteIfExists(spilling.written().file());
            } catch (final IOException e) {
                LOG.log(Level.WARNING, "cannot delete " + spilling.written().file() + ": " + e.getMessage());
            }
        }
    }

    /** Writes every tensor of {@code store} when it computed any (a cache miss); failures only cost the next start. */
    public void save(final String component, final Precision precision, final WeightStore weights, final QuantizedWeights store) {
        if (directory == null || precision == Precision.FP32 || store.computed().isEmpty()) {
            discard(store);
            return;
        }
        final Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("nifi-ltx.scheme", Integer.toString(SCHEME_VERSION));
        metadata.put("nifi-ltx.component", component);
        metadata.put("nifi-ltx.precision", precision.label());
        final Path file = fileFor(component, precision, weights);
        if (store instanceof SpillingWeights spilling && spilling.written() != null && spilling.complete()) {
            // the file written while quantizing becomes the cache once its header is in (a session may be mapping it:
            // a rename leaves the mapping as it is)
            try {
                if (spilling.written().finish(metadata)) {
                    spilling.written().close();
                    move(spilling.written().file(), file);
                    return;
                }
            } catch (final IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "cannot write the weight cache " + file + ": " + e.getMessage());
            }
        }
        writeAtomically(file, ".safetensors", temporary -> SafeTensors.write(temporary, new TensorBundle(store.all(), metadata)));
        discard(store);
    }

    private static void move(final Path from, final Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (final AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The fp8 activation ranges of {@code weights} (beside its fp8 weight cache file): a small JSON file. */
    public Path calibrationFileFor(final String component, final WeightStore weights) {
        return directory.resolve(component + "-" + Precision.FP8.label() + "-" + key(Precision.FP8, weights).substring(0, 24)
                + ".calibration.json");
    }

    /** The stored fp8 calibration of {@code weights}, or null when there is none (or no cache folder). */
    public Fp8Calibration calibration(final String component, final WeightStore weights) {
        if (directory == null) {
            return null;
        }
        final Path file = calibrationFileFor(component, weights);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return Fp8Calibration.fromJson(Files.readString(file), file.toString());
        } catch (final IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "ignoring unreadable fp8 calibration " + file + " (" + e.getMessage() + "); recalibrating");
            return null;
        }
    }

    /** Stores {@code calibration} for {@code weights}; failures only cost a recalibration at the next start. */
    public void saveCalibration(final String component, final WeightStore weights, final Fp8Calibration calibration) {
        if (directory != null) {
            writeAtomically(calibrationFileFor(component, weights), ".json",
                    temporary -> Files.writeString(temporary, calibration.toJson()));
        }
    }

    private interface Writer {
        void write(Path temporary) throws IOException;
    }

    /** Written to a temporary name and moved into place: a crash never leaves a half-written file a start would trust. */
    private void writeAtomically(final Path file, final String suffix, final Writer writer) {
        Path temporary = null;
        try {
            Files.createDirectories(directory);
            temporary = Files.createTempFile(directory, ".writing-", suffix);
            writer.write(temporary);
            move(temporary, file);
        } catch (final IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot write the weight cache " + file + ": " + e.getMessage());
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (final IOException e) {
                    // a stray temporary file is harmless: it never matches a cache name
                }
            }
        }
    }

    static String key(final Precision precision, final WeightStore weights) {
        try {
            final MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(("scheme " + SCHEME_VERSION + " " + precision.label() + " " + weights.component())
                    .getBytes(StandardCharsets.UTF_8));
            // merged LoRA adapters and their scales by name: the byte samples below tell most variants apart too, but
            // not an adapter whose delta vanishes in the sampled bytes. A plain checkpoint has no variant: same key as before.
            if (!weights.variant().isEmpty()) {
                digest.update((" variant " + weights.variant()).getBytes(StandardCharsets.UTF_8));
            }
            for (final String name : new TreeSet<>(weights.keys())) {
                // the stored bytes (mapped, still quantized for GGUF): hashing never loads a weight
                final LazyTensor t = weights.lazy(name);
                digest.update((name + " " + t.dtype() + " " + Tensor.shapeString(t.shape())).getBytes(StandardCharsets.UTF_8));
                final ByteBuffer data = t.storedBytes();
                final int n = data.remaining();
                for (final int start : new int[] {0, Math.max(0, n / 2 - SAMPLE / 2), Math.max(0, n - SAMPLE)}) {
                    digest.update(data.duplicate().position(start).limit(Math.min(n, start + SAMPLE)));
                }
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
