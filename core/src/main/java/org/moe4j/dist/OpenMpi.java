package org.moe4j.dist;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The system's Open MPI library bound through the foreign function API. Open MPI loads its
 * transports as plugins that look up symbols of libmpi itself, so the library is opened with
 * {@code dlopen(RTLD_NOW | RTLD_GLOBAL)} (a plain {@link SymbolLookup#libraryLookup} opens it
 * locally and the plugins then fail to load) and its symbols are found with {@code dlsym}.
 *
 * <p>Open MPI's predefined handles are the addresses of global objects: {@code MPI_COMM_WORLD} is
 * {@code &ompi_mpi_comm_world}, {@code MPI_FLOAT} is {@code &ompi_mpi_float}, {@code MPI_SUM} is
 * {@code &ompi_mpi_op_sum}, and {@code MPI_IN_PLACE} is the address 1 (mpi.h of Open MPI 3 to 5).
 * MPICH and its derivatives use integer handles instead, so the library's version string is
 * checked before anything else is called.
 */
final class OpenMpi {
    /** The system property, then environment variable, naming the library to load instead of the defaults. */
    static final String LIBRARY_PROPERTY = "moe4j.mpi.library";
    static final String LIBRARY_ENV = "MOE4J_MPI_LIBRARY";
    /** Debian's openmpi-bin/libopenmpi3 soname, then the development link. */
    static final List<String> DEFAULT_LIBRARIES = List.of("libmpi.so.40", "libmpi.so");
    static final String INSTALL_HINT = "install Open MPI (Debian: apt-get install openmpi-bin libopenmpi-dev) or name the library with -D"
            + LIBRARY_PROPERTY + "=/path/to/libmpi.so";

    private static final int RTLD_NOW = 0x2;
    private static final int RTLD_GLOBAL = 0x100;
    private static final int MPI_MAX_LIBRARY_VERSION_STRING = 256;
    private static final int MPI_MAX_ERROR_STRING = 256;
    static final int MPI_THREAD_SERIALIZED = 2;
    private static final Pattern OPEN_MPI_VERSION = Pattern.compile("Open MPI v(\\d+)\\.(\\d+)");

    private static final Linker LINKER = Linker.nativeLinker();
    /**
     * Resolved once, before any dlopen: resolving a symbol calls dlsym, which clears the error
     * text dlerror reports, so dlerror must be at hand before the dlopen it explains.
     */
    private static final MethodHandle DLOPEN = libc("dlopen", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle DLSYM = libc("dlsym", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle DLERROR = libc("dlerror", FunctionDescriptor.of(ADDRESS));

    final String library;
    final String version;
    final MemorySegment commWorld;
    final MemorySegment floatType;
    final MemorySegment intType;
    final MemorySegment opSum;
    final MemorySegment inPlace = MemorySegment.ofAddress(1);

    final MethodHandle initThread;
    final MethodHandle initialized;
    final MethodHandle finalized;
    final MethodHandle finalizeMpi;
    final MethodHandle commRank;
    final MethodHandle commSize;
    final MethodHandle allreduce;
    final MethodHandle alltoall;
    final MethodHandle alltoallv;
    final MethodHandle allgatherv;
    final MethodHandle bcast;
    final MethodHandle barrier;
    final MethodHandle commSplit;
    final MethodHandle commFree;
    final MethodHandle abort;
    final MethodHandle errorString;

    private final SymbolLookup lookup;

    private OpenMpi(String library, SymbolLookup lookup) {
        this.library = library;
        this.lookup = lookup;
        this.version = libraryVersion();
        requireOpenMpi3(library, version);
        commWorld = symbol("ompi_mpi_comm_world");
        floatType = symbol("ompi_mpi_float");
        intType = symbol("ompi_mpi_int");
        opSum = symbol("ompi_mpi_op_sum");
        initThread = function("MPI_Init_thread", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
        initialized = function("MPI_Initialized", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        finalized = function("MPI_Finalized", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        finalizeMpi = function("MPI_Finalize", FunctionDescriptor.of(JAVA_INT));
        commRank = function("MPI_Comm_rank", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        commSize = function("MPI_Comm_size", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        // MPI_Allreduce(sendbuf, recvbuf, count, datatype, op, comm)
        allreduce = function("MPI_Allreduce", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        // MPI_Alltoall(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm)
        alltoall = function("MPI_Alltoall",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        // MPI_Alltoallv(sendbuf, sendcounts[], sdispls[], sendtype, recvbuf, recvcounts[], rdispls[], recvtype, comm)
        alltoallv = function("MPI_Alltoallv", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        // MPI_Allgatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts[], displs[], recvtype, comm)
        allgatherv = function("MPI_Allgatherv", FunctionDescriptor.of(JAVA_INT,
                ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        // MPI_Bcast(buffer, count, datatype, root, comm)
        bcast = function("MPI_Bcast", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        barrier = function("MPI_Barrier", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        // MPI_Comm_split(comm, color, key, MPI_Comm *newcomm)
        commSplit = function("MPI_Comm_split", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
        commFree = function("MPI_Comm_free", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        abort = function("MPI_Abort", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        errorString = function("MPI_Error_string", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    }

    /**
     * Refuses an MPI library other than Open MPI 3 or later (MPICH, Intel MPI, an older Open MPI)
     * by its version string: moe4j takes Open MPI's predefined handles as addresses of its global
     * objects, which other libraries lay out differently.
     */
    static void requireOpenMpi3(String library, String version) {
        Matcher m = OPEN_MPI_VERSION.matcher(version);
        if (!m.find() || Integer.parseInt(m.group(1)) < 3) {
            throw new CommunicationException(library + " is not Open MPI 3 or later (its version string is \""
                    + firstLine(version) + "\"); moe4j binds Open MPI's handles: " + INSTALL_HINT);
        }
    }

    /** The library named by the property or environment variable, else the first default that opens. */
    static OpenMpi load() {
        String named = System.getProperty(LIBRARY_PROPERTY, System.getenv(LIBRARY_ENV));
        if (named != null && !named.isBlank()) return load(named);
        List<String> errors = new ArrayList<>();
        for (String candidate : DEFAULT_LIBRARIES) {
            try {
                return load(candidate);
            } catch (LibraryNotFound e) {
                errors.add(e.getMessage());
            }
        }
        throw new CommunicationException("no MPI library found (" + String.join("; ", errors) + "): " + INSTALL_HINT);
    }

    /** Opens one library, by soname or path, with global symbols; fails with the loader's own reason. */
    static OpenMpi load(String library) {
        MemorySegment handle;
        try (Arena arena = Arena.ofConfined()) {
            handle = (MemorySegment) DLOPEN.invokeExact(arena.allocateFrom(library), RTLD_NOW | RTLD_GLOBAL);
        } catch (Throwable t) {
            throw new CommunicationException("could not call dlopen for " + library, t);
        }
        if (handle.equals(MemorySegment.NULL)) throw new LibraryNotFound("cannot open " + library + ": " + dlerror());
        SymbolLookup lookup = name -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment address = (MemorySegment) DLSYM.invokeExact(handle, arena.allocateFrom(name));
                return address.equals(MemorySegment.NULL) ? Optional.empty() : Optional.of(address);
            } catch (Throwable t) {
                throw new CommunicationException("dlsym(" + name + ") failed in " + library, t);
            }
        };
        if (lookup.find("MPI_Get_library_version").isEmpty()) {
            throw new CommunicationException(library + " opened but has no MPI_Get_library_version: it is not an MPI 3 library; " + INSTALL_HINT);
        }
        return new OpenMpi(library, lookup);
    }

    /** The text of an MPI error code, for messages. */
    String errorText(int code) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocate(MPI_MAX_ERROR_STRING);
            MemorySegment length = arena.allocate(JAVA_INT);
            int rc = (int) errorString.invokeExact(code, text, length);
            return rc == 0 ? text.getString(0) : "MPI error " + code;
        } catch (Throwable t) {
            return "MPI error " + code;
        }
    }

    private String libraryVersion() {
        MethodHandle get = function("MPI_Get_library_version", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocate(MPI_MAX_LIBRARY_VERSION_STRING * 16L);
            MemorySegment length = arena.allocate(JAVA_INT);
            int rc = (int) get.invokeExact(text, length);
            if (rc != 0) throw new CommunicationException(library + ": MPI_Get_library_version returned " + rc);
            return text.getString(0);
        } catch (CommunicationException e) {
            throw e;
        } catch (Throwable t) {
            throw new CommunicationException(library + ": MPI_Get_library_version failed", t);
        }
    }

    private MemorySegment symbol(String name) {
        return lookup.find(name).orElseThrow(() -> new CommunicationException(
                library + " has no symbol " + name + ": not an Open MPI library; " + INSTALL_HINT));
    }

    private MethodHandle function(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor);
    }

    private static MethodHandle libc(String name, FunctionDescriptor descriptor) {
        MemorySegment address = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new CommunicationException("the C library has no " + name + ": cannot load MPI on this system"));
        return LINKER.downcallHandle(address, descriptor);
    }

    private static String dlerror() {
        try {
            MemorySegment text = (MemorySegment) DLERROR.invokeExact();
            return text.equals(MemorySegment.NULL) ? "unknown reason" : text.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            return "unknown reason";
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }

    /** dlopen could not open a candidate: the next default is tried. */
    private static final class LibraryNotFound extends CommunicationException {
        LibraryNotFound(String message) {
            super(message);
        }
    }
}
