package dev.subdesk.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * CPU time (user and system) of this JVM and of the PostgreSQL it talks to, read from {@code /proc} (Linux): the
 * postmaster with the children it has reaped and those alive (the connections' backends, the WAL writer,
 * autovacuum...). Zero where {@code /proc} cannot be read.
 */
final class CpuTime {

	/** Linux's {@code USER_HZ}, the unit of {@code /proc/PID/stat}'s times, 100 on every common kernel. */
	private static final long TICKS_PER_SECOND = 100;

	private final long postmaster;

	private CpuTime(long postmaster) {
		this.postmaster = postmaster;
	}

	/** For the PostgreSQL behind {@code dataSource} (its postmaster found by its data directory's pid file). */
	static CpuTime of(DataSource dataSource) {
		long pid = 0;
		try {
			String dir = JdbcClient.create(dataSource).sql("SHOW data_directory").query(String.class).single();
			pid = Long.parseLong(Files.readAllLines(Path.of(dir, "postmaster.pid")).get(0).trim());
		}
		catch (IOException | RuntimeException e) {
			// another machine's database, or no right to read its directory: no PostgreSQL figure
		}
		return new CpuTime(pid);
	}

	/** This JVM's CPU time, in milliseconds. */
	long jvmMillis() {
		return ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class).getProcessCpuTime()
				/ 1_000_000;
	}

	/** PostgreSQL's CPU time, in milliseconds. */
	long postgresMillis() {
		if (postmaster == 0) {
			return 0;
		}
		long ticks = 0;
		try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
			for (Path process : (Iterable<Path>) processes::iterator) {
				String name = process.getFileName().toString();
				if (!name.chars().allMatch(Character::isDigit)) {
					continue;
				}
				String[] stat = stat(process);
				if (stat == null) {
					continue;
				}
				long pid = Long.parseLong(name);
				// fields after the command: state, ppid, ...; utime and stime are the 12th and 13th, cutime and cstime
				// the 14th and 15th
				if (pid == postmaster) {
					ticks += Long.parseLong(stat[11]) + Long.parseLong(stat[12]) + Long.parseLong(stat[13])
							+ Long.parseLong(stat[14]);
				}
				else if (Long.parseLong(stat[1]) == postmaster) {
					ticks += Long.parseLong(stat[11]) + Long.parseLong(stat[12]);
				}
			}
		}
		catch (IOException e) {
			return 0;
		}
		return ticks * 1000 / TICKS_PER_SECOND;
	}

	private static String[] stat(Path process) {
		try {
			String text = Files.readString(process.resolve("stat"));
			return text.substring(text.lastIndexOf(')') + 2).split(" ");
		}
		catch (IOException | RuntimeException e) {
			return null;
		}
	}
}
