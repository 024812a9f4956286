package dev.subdesk.testing;

import dev.subdesk.SubdeskApplication;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole server on its own embedded database (in {@code dataDir}) with the test clock, sending its mail to a
 * {@link ScriptedSmtpServer} and delivering every 0.2 s with short back-offs: for the tests of mail delivery.
 */
public record MailingServer(ConfigurableApplicationContext app, ScriptedSmtpServer smtp, Api api) implements AutoCloseable {

	/** Starts it with {@code more} arguments after the defaults (which they may override). */
	public static MailingServer start(Path dataDir, ScriptedSmtpServer smtp, String... more) {
		List<String> arguments = new ArrayList<>(List.of("--server.port=0", "--subdesk.api.key=" + Api.TEST_KEY,
				"--subdesk.data-dir=" + dataDir, "--subdesk.clock.test-clock=true", "--spring.mail.host=127.0.0.1",
				"--spring.mail.port=" + smtp.port(), "--subdesk.notices.delivery-interval=PT0.2S",
				"--subdesk.notices.retry-backoff=PT0.3S", "--subdesk.notices.retry-backoff-max=PT1S",
				"--logging.level.root=WARN"));
		arguments.addAll(List.of(more));
		ConfigurableApplicationContext app = new SpringApplicationBuilder(SubdeskApplication.class)
			.run(arguments.toArray(String[]::new));
		return new MailingServer(app, smtp,
				new Api(Integer.parseInt(app.getEnvironment().getProperty("local.server.port", "0"))));
	}

	/** Stops the server, then the mail server; either may be null when start-up failed. */
	public static void stop(MailingServer server, ScriptedSmtpServer smtp) {
		if (server != null) {
			server.app().close();
		}
		smtp.close();
	}

	@Override
	public void close() {
		stop(this, smtp);
	}
}
