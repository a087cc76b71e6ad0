package org.nifiltx.core.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.nifiltx.core.checkpoint.Json;
import org.nifiltx.core.error.LtxErrorCode;
import org.nifiltx.core.error.LtxException;
import org.nifiltx.core.tensor.Tensor;
import org.nifiltx.core.tensor.TensorBundle;

/**
 * Reads the weights of one component folder: a single {@code *.safetensors} file or shards listed by a
 * {@code *.safetensors.index.json} ({@code weight_map}: tensor name → shard file), as T5-XXL and 13B ship.
 */
public final class ShardedSafeTensors {
    private ShardedSafeTensors() {
    }

    public static TensorBundle readFolder(final Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new LtxException(LtxErrorCode.FILE_NOT_FOUND, "component folder not found: " + folder);
        }
        final List<Path> indexes = list(folder, ".safetensors.index.json");
        if (indexes.size() > 1) {
            throw new LtxException(LtxErrorCode.CORRUPT_FILE, "component folder " + folder + " holds several shard indexes: " + indexes);
        }
        if (indexes.size() == 1) {
            return readIndexed(indexes.get(0));
        }
        final List<Path> files = list(folder, ".safetensors");
        if (files.isEmpty()) {
            throw new LtxException(LtxErrorCode.FILE_NOT_FOUND, "no .safetensors weights in " + folder);
        }
        if (files.size() > 1) {
            throw new LtxException(LtxErrorCode.CORRUPT_FILE, "component folder " + folder
                    + " holds several .safetensors files but no .safetensors.index.json: " + files);
        }
        return SafeTensors.read(files.get(0));
    }

    /** Reads every shard an index names and checks each listed tensor is in the shard the index says. */
    public static TensorBundle readIndexed(final Path index) {
        final JsonNode weightMap = Json.read(index).get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw new LtxException(LtxErrorCode.CORRUPT_FILE, "shard index " + index + " has no weight_map object");
        }
        final Map<String, String> expected = new LinkedHashMap<>();
        final Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields();
        while (it.hasNext()) {
            final Map.Entry<String, JsonNode> e = it.next();
            expected.put(e.getKey(), e.getValue().asText());
        }
        final Map<String, Tensor> tensors = new LinkedHashMap<>();
        final Path folder = index.toAbsolutePath().getParent();
        for (final String shard : new TreeSet<>(expected.values())) {
            final TensorBundle bundle = SafeTensors.read(folder.resolve(shard));
            for (final Map.Entry<String, Tensor> e : bundle.tensors().entrySet()) {
                if (tensors.put(e.getKey(), e.getValue()) != null) {
                    throw new LtxException(LtxErrorCode.CORRUPT_FILE, "tensor '" + e.getKey() + "' appears in more than one shard of " + index);
                }
            }
        }
        for (final Map.Entry<String, String> e : expected.entrySet()) {
            if (!tensors.containsKey(e.getKey())) {
                throw new LtxException(LtxErrorCode.CORRUPT_FILE,
                        "shard index " + index + " lists tensor '" + e.getKey() + "' in " + e.getValue() + " but that shard lacks it");
            }
        }
        return TensorBundle.of(tensors);
    }

    private static List<Path> list(final Path folder, final String suffix) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        } catch (final IOException e) {
            throw new LtxException(LtxErrorCode.FILE_NOT_FOUND, "cannot list " + folder + ": " + e.getMessage(), e);
        }
    }
}
