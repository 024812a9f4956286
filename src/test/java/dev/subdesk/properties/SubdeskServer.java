package dev.subdesk.properties;

import dev.subdesk.SubdeskApplication;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole application on its own embedded PostgreSQL (in a fresh temporary directory), over real HTTP on a
 * random port, with the test clock on. A property class starts one in its {@code @BeforeContainer} hook and
 * closes it in {@code @AfterContainer}, so tries share one server and isolate themselves by their own accounts.
 * <p>
 * The settings are passed as command-line arguments, not as {@code SpringApplicationBuilder.properties(..)}:
 * those are <em>default</em> properties, the lowest precedence, and application.properties already sets
 * {@code server.port}, {@code subdesk.api.key}, {@code subdesk.data-dir} and {@code subdesk.clock.test-clock}
 * from the environment, so default properties would be ignored (port 8080, a generated API key).
 */
public final class SubdeskServer implements AutoCloseable {

	private final ConfigurableApplicationContext context;
	private final Path dataDir;
	private final int port;

	private SubdeskServer(ConfigurableApplicationContext context, Path dataDir, int port) {
		this.context = context;
		this.dataDir = dataDir;
		this.port = port;
	}

	public static SubdeskServer start() {
		Path dataDir;
		try {
			dataDir = Files.createTempDirectory("subdesk-properties-");
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		ConfigurableApplicationContext context = new SpringApplicationBuilder(SubdeskApplication.class)
			.run("--server.port=0", "--subdesk.api.key=" + Api.TEST_KEY, "--subdesk.clock.test-clock=true",
					"--subdesk.data-dir=" + dataDir, "--subdesk.jobs.initial-delay=PT1H",
					"--subdesk.extra-migrations=classpath:db/testdata",
					"--spring.main.banner-mode=off", "--logging.level.dev.subdesk=WARN",
					"--logging.level.org.springframework=WARN", "--logging.level.org.flywaydb=WARN",
					"--logging.level.com.zaxxer=WARN");
		int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
		return new SubdeskServer(context, dataDir, port);
	}

	public int port() {
		return port;
	}

	public Api api() {
		return new Api(port);
	}

	public Fixtures fixtures() {
		return new Fixtures(api());
	}

	@Override
	public void close() {
		try {
			context.close();
		}
		finally {
			deleteQuietly(dataDir);
		}
	}

	private static void deleteQuietly(Path dir) {
		try (Stream<Path> paths = Files.walk(dir)) {
			paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
		}
		catch (IOException | UncheckedIOException e) {
			// a leftover temporary directory is harmless
		}
	}
}
