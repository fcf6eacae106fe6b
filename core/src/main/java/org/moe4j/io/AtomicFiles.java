package org.moe4j.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.UUID;

/**
 * Writes files and whole folders so that a reader sees either the old version or the complete new
 * one, never a half-written file, even when the writer fails midway (disk full) or the machine
 * stops: the content goes to a temporary name in the same folder, is flushed to disk (fsync),
 * renamed over the target with an atomic move, and the folder holding it is flushed too.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Produces a file's content. */
    @FunctionalInterface
    public interface ContentWriter {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Fills a fresh, empty folder with files. */
    @FunctionalInterface
    public interface FolderWriter {
        void fill(Path folder) throws IOException;
    }

    /** Replaces {@code target} atomically with what {@code content} writes; on failure {@code target} is untouched. */
    public static void write(Path target, ContentWriter content) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path folder = absolute.getParent();
        Path temp = folder.resolve("." + absolute.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
                content.writeTo(out);
                out.flush();
                channel.force(true);
            }
            Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (Throwable e) {
            cleanUp(temp, e);
            throw e;
        }
        fsyncFolder(folder);
    }

    /** Atomically replaces {@code target} with UTF-8 text. */
    public static void writeString(Path target, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        write(target, out -> out.write(bytes));
    }

    /**
     * Replaces the folder {@code target} with one that {@code content} fills. The new folder is
     * built under a temporary name beside the target and flushed to disk; then the old folder is
     * renamed aside (to {@link #previousName}), the new one renamed into place, and the old one
     * deleted. If {@code content} fails, the old folder is untouched and the temporary one removed.
     * Should the machine stop between the two renames, the old folder survives under the
     * previous-name and the next call (or {@link #recoverInterruptedReplace}) puts it back.
     */
    public static void writeFolder(Path target, FolderWriter content) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path parent = absolute.getParent();
        Files.createDirectories(parent);
        recoverInterruptedReplace(absolute);
        Path temp = Files.createDirectory(parent.resolve("." + absolute.getFileName() + ".tmp-" + UUID.randomUUID()));
        try {
            content.fill(temp);
            fsyncTree(temp);
        } catch (Throwable e) {
            cleanUp(temp, e);
            throw e;
        }
        Path previous = previousName(absolute);
        boolean hadOld = Files.exists(absolute);
        if (hadOld) {
            deleteTree(previous);
            Files.move(absolute, previous, StandardCopyOption.ATOMIC_MOVE);
        }
        try {
            Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE);
        } catch (Throwable e) {
            if (hadOld) {
                Files.move(previous, absolute, StandardCopyOption.ATOMIC_MOVE);
            }
            cleanUp(temp, e);
            throw e;
        }
        fsyncFolder(parent);
        if (hadOld) {
            deleteTree(previous);
        }
    }

    /** Where {@link #writeFolder} keeps the old folder while it swaps in the new one. */
    public static Path previousName(Path target) {
        Path absolute = target.toAbsolutePath();
        return absolute.resolveSibling("." + absolute.getFileName() + ".previous");
    }

    /**
     * Undoes a folder replacement cut short between its two renames: if {@code target} is missing
     * and its previous-name exists, renames that back. Returns whether it did.
     */
    public static boolean recoverInterruptedReplace(Path target) throws IOException {
        Path previous = previousName(target);
        if (!Files.exists(target) && Files.isDirectory(previous)) {
            Files.move(previous, target, StandardCopyOption.ATOMIC_MOVE);
            fsyncFolder(target.toAbsolutePath().getParent());
            return true;
        }
        return false;
    }

    private static void fsyncTree(Path folder) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            for (Path p : entries) {
                if (Files.isDirectory(p)) {
                    fsyncTree(p);
                } else {
                    try (FileChannel channel = FileChannel.open(p, StandardOpenOption.WRITE)) {
                        channel.force(true);
                    }
                }
            }
        }
        fsyncFolder(folder);
    }

    /**
     * Flushes a folder's entries (names, renames) to disk. POSIX allows opening a folder for this;
     * Windows does not, and there NTFS journals renames itself, so the refusal is ignored.
     */
    public static void fsyncFolder(Path folder) throws IOException {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows")) {
                throw e;
            }
        }
    }

    /** Removes a temporary file or folder after {@code failure}, keeping {@code failure} the reported error. */
    private static void cleanUp(Path temp, Throwable failure) {
        try {
            deleteTree(temp);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /** Deletes a file or a folder with everything in it; a missing path is fine. */
    static void deleteTree(Path path) throws IOException {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(path)) {
                for (Path p : entries) {
                    deleteTree(p);
                }
            }
        }
        try {
            Files.deleteIfExists(path);
        } catch (NoSuchFileException gone) {
            // removed concurrently: the goal is reached
        }
    }
}
