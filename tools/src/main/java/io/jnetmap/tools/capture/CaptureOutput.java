package io.jnetmap.tools.capture;

import io.jnetmap.sys.OffHeapBuffer;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where nm-capture writes: standard output, a file or a FIFO, or, with a size limit ({@code -C}),
 * a series of files as tcpdump writes them: FILE, FILE1, FILE2, ... or, with {@code -W COUNT}, a
 * ring of COUNT files FILE0 .. FILE(COUNT-1) (numbers zero-padded to COUNT's width) whose oldest
 * is overwritten. A file is closed before it would exceed the limit, so every file stands alone.
 */
final class CaptureOutput implements AutoCloseable {
    private final String target;
    private final CaptureFile.Format format;
    private final int snaplen;
    private final String interfaceName, description;
    private final long limit;
    private final int ringFiles;
    private int fileNumber;
    private CaptureFile file;
    private long frames;

    /**
     * @param target "-" for standard output, else a path
     * @param limit bytes per file, 0 for one file
     * @param ringFiles files in the ring (with a limit), 0 for no ring
     */
    CaptureOutput(String target, CaptureFile.Format format, int snaplen, String interfaceName, String description,
                  long limit, int ringFiles) throws IOException {
        this.target = target;
        this.format = format;
        this.snaplen = snaplen;
        this.interfaceName = interfaceName;
        this.description = description;
        this.limit = limit;
        this.ringFiles = ringFiles;
        this.file = open(fileName(0));
    }

    /** The name of file number {@code n}, as tcpdump's -C/-W name them. */
    String fileName(int n) {
        if (limit == 0) return target;
        if (ringFiles > 0) return target + String.format("%0" + Integer.toString(ringFiles).length() + "d", n % ringFiles);
        return n == 0 ? target : target + n;
    }

    private CaptureFile open(String name) throws IOException {
        if (name.equals("-")) return new CaptureFile(new Stdout(), format, snaplen, interfaceName, description);
        FileChannel ch = FileChannel.open(Path.of(name), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        try {
            return new CaptureFile(ch, format, snaplen, interfaceName, description);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    void write(OffHeapBuffer src, int off, int len, long epochNanos, boolean outbound) throws IOException {
        if (limit > 0 && file.frames() > 0 && file.bytes() + file.recordSize(len) > limit) {
            file.close();
            file = open(fileName(++fileNumber));
        }
        file.write(src, off, len, epochNanos, outbound);
        frames++;
    }

    long frames() { return frames; }

    /** The file being written now. */
    String currentFile() { return fileName(fileNumber); }

    void flush() throws IOException { file.flush(); }

    @Override
    public void close() throws IOException { file.close(); }

    /** Standard output as a channel that the capture never closes. */
    private static final class Stdout implements CaptureFile.StandardOutput {
        private final FileChannel ch = new FileOutputStream(FileDescriptor.out).getChannel();

        @Override public int write(ByteBuffer src) throws IOException { return ch.write(src); }
        @Override public boolean isOpen() { return ch.isOpen(); }
        @Override public void close() { }
    }
}
