package org.moe4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a Hugging Face model's weights as safetensors shards without holding them in memory: the
 * tensors are declared up front (name, dtype, shape), cut into shards of at most a given size in
 * the order given, and each tensor's bytes are produced in chunks by a {@link TensorSource} while its
 * shard is written. Several shards are named {@code model-00001-of-0000N.safetensors} and listed in
 * {@code model.safetensors.index.json} ({@code metadata.total_size} and a {@code weight_map} from
 * tensor name to file), as transformers' save_pretrained does; a single shard is
 * {@code model.safetensors}. Each shard's header carries {@code "__metadata__": {"format": "pt"}}.
 */
public final class ShardedSafeTensorsWriter {
    /** The index file of a sharded checkpoint. */
    public static final String INDEX_FILE = "model.safetensors.index.json";
    private static final int CHUNK_BYTES = 1 << 22;

    /** One tensor to write. */
    public record Spec(String name, DType dtype, long[] shape) {
        public Spec {
            if (name == null || name.isEmpty() || name.equals(SafeTensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException("sharded safetensors: tensor name " + name + " is not allowed");
            }
            for (long d : shape) {
                if (d < 0) {
                    throw new IllegalArgumentException("sharded safetensors: tensor " + name + " has shape "
                            + Arrays.toString(shape) + "; dimensions must be >= 0");
                }
            }
            shape = shape.clone();
        }

        public long elements() {
            long n = 1;
            for (long d : shape) n = Math.multiplyExact(n, d);
            return n;
        }

        public long bytes() {
            return Math.multiplyExact(elements(), dtype.bytes());
        }
    }

    /** Produces a tensor's bytes (little-endian) in order: fills {@code out} to its limit, starting at byte {@code offset}. */
    @FunctionalInterface
    public interface TensorSource {
        void fill(Spec tensor, long offset, ByteBuffer out);
    }

    /** One file of the checkpoint and the tensors it holds, in order. */
    public record Shard(String file, List<Spec> tensors) {
        public long dataBytes() {
            long n = 0;
            for (Spec s : tensors) n += s.bytes();
            return n;
        }
    }

    private ShardedSafeTensorsWriter() {}

    /**
     * The shards: tensors in the order given, a new shard started whenever the next tensor would take
     * the current one past {@code maxShardBytes} (a tensor larger than that gets a shard of its own).
     */
    public static List<Shard> plan(List<Spec> tensors, long maxShardBytes) {
        if (maxShardBytes < 1) {
            throw new IllegalArgumentException("sharded safetensors: maxShardBytes is " + maxShardBytes + ", must be >= 1");
        }
        Set<String> seen = new HashSet<>();
        List<List<Spec>> groups = new ArrayList<>();
        List<Spec> current = new ArrayList<>();
        long size = 0;
        for (Spec t : tensors) {
            if (!seen.add(t.name())) {
                throw new IllegalArgumentException("sharded safetensors: tensor " + t.name() + " is declared twice");
            }
            if (!current.isEmpty() && size + t.bytes() > maxShardBytes) {
                groups.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(t);
            size += t.bytes();
        }
        if (!current.isEmpty() || groups.isEmpty()) {
            groups.add(current);
        }
        List<Shard> shards = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            String file = groups.size() == 1 ? "model.safetensors"
                    : String.format("model-%05d-of-%05d.safetensors", i + 1, groups.size());
            shards.add(new Shard(file, List.copyOf(groups.get(i))));
        }
        return shards;
    }

    /** Writes the shards of {@link #plan} into {@code folder} (which must exist), and the index when there are several. */
    public static List<Shard> write(Path folder, List<Spec> tensors, long maxShardBytes, TensorSource source) throws IOException {
        List<Shard> shards = plan(tensors, maxShardBytes);
        for (Shard shard : shards) {
            writeShard(folder.resolve(shard.file()), shard, source);
        }
        if (shards.size() > 1) {
            Map<String, Object> weightMap = new LinkedHashMap<>();
            long total = 0;
            for (Shard shard : shards) {
                total += shard.dataBytes();
                for (Spec t : shard.tensors()) weightMap.put(t.name(), shard.file());
            }
            Map<String, Object> index = new LinkedHashMap<>();
            index.put("metadata", Map.of("total_size", total));
            index.put("weight_map", weightMap);
            AtomicFiles.writeString(folder.resolve(INDEX_FILE), Json.writePretty(index) + "\n");
        }
        return shards;
    }

    /** Writes every tensor into the one file {@code file} (any name), as a single shard. */
    public static void writeFile(Path file, List<Spec> tensors, TensorSource source) throws IOException {
        List<Shard> one = plan(tensors, Long.MAX_VALUE);
        writeShard(file, new Shard(file.getFileName().toString(), one.getFirst().tensors()), source);
    }

    private static void writeShard(Path file, Shard shard, TensorSource source) throws IOException {
        byte[] header = header(shard.tensors());
        Path temp = file.resolveSibling("." + file.getFileName() + ".partial");
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer prefix = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
            prefix.putLong(header.length).put(header).flip();
            writeFully(ch, prefix);
            ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (Spec t : shard.tensors()) {
                long bytes = t.bytes();
                for (long off = 0; off < bytes; off += CHUNK_BYTES) {
                    chunk.clear().limit((int) Math.min(CHUNK_BYTES, bytes - off));
                    source.fill(t, off, chunk);
                    if (chunk.hasRemaining()) {
                        throw new IllegalStateException("sharded safetensors: the source left " + chunk.remaining()
                                + " bytes of tensor " + t.name() + " unfilled at offset " + off);
                    }
                    chunk.flip();
                    writeFully(ch, chunk);
                }
            }
            ch.force(false);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /** The JSON header, its data offsets in the order given, padded with spaces to a multiple of 8 bytes. */
    static byte[] header(List<Spec> tensors) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put(SafeTensorsHeader.METADATA_KEY, Map.of("format", "pt"));
        long offset = 0;
        for (Spec t : tensors) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("dtype", t.dtype().name());
            fields.put("shape", Arrays.stream(t.shape()).boxed().toList());
            fields.put("data_offsets", List.of(offset, offset + t.bytes()));
            root.put(t.name(), fields);
            offset += t.bytes();
        }
        byte[] json = Json.write(root).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }
}
