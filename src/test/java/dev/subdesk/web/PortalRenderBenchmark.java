package dev.subdesk.web;

import dev.subdesk.SubdeskApplication;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.Mailbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The "My subscriptions" benchmark (bench/run-portal-bench.sh): one signed-in account with 20 subscriptions
 * (10 bases with an add-on each), then {@code GET /portal} over HTTP, timed after a warm-up. Prints p50, p99
 * and the page size. Argument: how many timed requests (default 2000).
 */
public final class PortalRenderBenchmark {

	private PortalRenderBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		int requests = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
		Path dataDir = Files.createTempDirectory("subdesk-portal-bench");
		try (ConfigurableApplicationContext app = new SpringApplicationBuilder(SubdeskApplication.class).run(
				"--server.port=0", "--subdesk.api.key=" + Api.TEST_KEY, "--subdesk.data-dir=" + dataDir,
				"--subdesk.jobs.initial-delay=PT24H", "--subdesk.clock.test-clock=true", "--logging.level.root=WARN")) {
			int port = ((WebServerApplicationContext) app).getWebServer().getPort();
			Mailbox.register(port, app.getBean(org.springframework.jdbc.core.simple.JdbcClient.class));
			Api api = new Api(port);
			Fixtures fixtures = new Fixtures(api);
			String account = fixtures.accountWithVisa();
			for (int i = 0; i < 10; i++) {
				String base = fixtures.subscribe(account, "antivirus-annual");
				fixtures.addOn(account, "identity-addon-annual", base);
			}
			PortalSession session = new PortalSession(port).signIn(api, account);
			for (int i = 0; i < 500; i++) {
				session.get("/portal");
			}
			long[] nanos = new long[requests];
			int bytes = 0;
			for (int i = 0; i < requests; i++) {
				long start = System.nanoTime();
				PortalSession.Page page = session.get("/portal");
				nanos[i] = System.nanoTime() - start;
				bytes = page.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
			}
			Arrays.sort(nanos);
			System.out.printf("GET /portal, 20 subscriptions, %d requests over HTTP: p50 %.2f ms, p99 %.2f ms, max %.2f ms, page %,d bytes%n",
					requests, nanos[requests / 2] / 1e6, nanos[(int) (requests * 0.99)] / 1e6, nanos[requests - 1] / 1e6,
					bytes);
		}
	}
}
