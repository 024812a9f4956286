package dev.subdesk.testing;

import dev.subdesk.SubdeskApplication;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole server in this JVM, on its own embedded database (in {@code dataDir}), over real HTTP on a random port,
 * with the test clock and the test API key: for a test class that needs settings of its own (a mail server, a job's
 * interval). Its class starts one in {@code @BeforeAll} and closes it ({@code @AutoClose}).
 */
public record StandaloneServer(ConfigurableApplicationContext app, int port, Api api) implements AutoCloseable {

	/** Starts it with {@code more} arguments ({@code --property=value}) after the defaults. */
	public static StandaloneServer start(Path dataDir, String... more) {
		List<String> arguments = new ArrayList<>(List.of("--server.port=0", "--subdesk.api.key=" + Api.TEST_KEY,
				"--subdesk.data-dir=" + dataDir, "--subdesk.clock.test-clock=true", "--logging.level.root=WARN"));
		arguments.addAll(List.of(more));
		ConfigurableApplicationContext app = new SpringApplicationBuilder(SubdeskApplication.class)
			.run(arguments.toArray(String[]::new));
		int port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port", "0"));
		return new StandaloneServer(app, port, new Api(port));
	}

	@Override
	public void close() {
		app.close();
	}
}
