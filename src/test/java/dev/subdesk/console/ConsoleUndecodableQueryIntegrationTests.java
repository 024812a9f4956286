package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ApiIntegrationTest;
import org.junit.jupiter.api.Test;

/** A query string the container cannot decode is a console error page with 400, never a server error. */
class ConsoleUndecodableQueryIntegrationTests extends ApiIntegrationTest {

	@Test
	void aQueryStringThatCannotBeDecodedIsAConsoleErrorPage() {
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		for (String path : new String[] { "/console?q=%FF", "/console?q=%C3%28" }) {
			ConsoleClient.Page page = agent.get(path);
			assertThat(page.status()).as(path).isEqualTo(400);
			assertThat(page.body()).as(path).contains("Acme agent console");
		}
	}
}
