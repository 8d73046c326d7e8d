import CPunctualFCGI

#if canImport(Glibc)
import Glibc
#endif

/// The number of cores this process may run on: its CPU affinity (`taskset`, systemd's
/// `CPUAffinity=`, a container's cpuset), not every core of the machine.
public enum AvailableCores {
    public static var count: Int {
        var mask = [UInt8](repeating: 0, count: 128)
        let result = mask.withUnsafeMutableBytes { sched_getaffinity(0, $0.count, $0.baseAddress) }
        guard result == 0 else { return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
        return max(1, mask.reduce(0) { $0 + $1.nonzeroBitCount })
    }
}
