package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Mailbox;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The receipt link in a cancellation confirmation works for the customer who got the email: absolute, opened
 * with no session and no API key, and only with its own token.
 */
@SubdeskIntegrationTest
class PublicReceiptPageIntegrationTests extends PortalTestSupport {

	private static final Pattern LINK = Pattern
		.compile("Your signed receipt: (https?://[^/\\s]+)(/receipts/(CXL-[0-9A-Z]{4}-[0-9A-Z]{4})\\?t=([A-Za-z0-9_-]{20,}))\\s");

	private final HttpClient anonymous = HttpClient.newBuilder()
		.followRedirects(HttpClient.Redirect.NEVER)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	@Test
	void theReceiptLinkInTheConfirmationEmailOpensTheReceiptWithItsVerdictWithoutSessionOrKey() {
		Customer c = customerWith("antivirus-annual");
		String number = fixtures.cancel(c.subscription(), "END_OF_TERM").text("confirmationNumber");

		Matcher link = link(c.account());
		assertThat(link.group(3)).isEqualTo(number);
		HttpResponse<String> page = get(link.group(2), "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");

		assertThat(page.statusCode()).isEqualTo(200);
		assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
		assertThat(page.body()).contains("id=\"confirmation-number\">" + number + "<")
			.contains("The signature is valid")
			.contains("Acme Antivirus, yearly");
		assertThat(page.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
		assertThat(page.headers().firstValue("Cache-Control").orElse("")).contains("no-store");
	}

	@Test
	void askingForJsonGivesTheSignedReceiptAsIssuedWhichVerifies() {
		Customer c = customerWith("antivirus-monthly");
		String number = fixtures.cancel(c.subscription(), "IMMEDIATE").text("confirmationNumber");

		HttpResponse<String> receipt = get(link(c.account()).group(2), "application/json");

		assertThat(receipt.statusCode()).isEqualTo(200);
		assertThat(receipt.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
		JsonNode body = dev.subdesk.testing.Api.parse(receipt.body());
		assertThat(body.path("cancellation").path("confirmationNumber").asString()).isEqualTo(number);
		assertThat(receipt.body()).isEqualTo(api.get("/cancellations/" + number + "/receipt").raw());
		assertThat(api.with("Authorization", null).post("/receipts/verify", receipt.body()).json().path("valid").asBoolean())
			.isTrue();
	}

	@Test
	void withoutTheRightTokenTheReceiptPageIsNotFound() {
		Customer mine = customerWith("antivirus-annual");
		Customer theirs = customerWith("antivirus-annual");
		String number = fixtures.cancel(mine.subscription(), "END_OF_TERM").text("confirmationNumber");
		fixtures.cancel(theirs.subscription(), "END_OF_TERM");
		String myToken = link(mine.account()).group(4);
		String theirToken = link(theirs.account()).group(4);

		assertThat(get("/receipts/" + number, "text/html").statusCode()).isEqualTo(404);
		assertThat(get("/receipts/" + number + "?t=", "text/html").statusCode()).isEqualTo(404);
		assertThat(get("/receipts/" + number + "?t=" + theirToken, "text/html").statusCode()).isEqualTo(404);
		assertThat(get("/receipts/" + number + "?t=" + myToken.substring(1), "application/json").statusCode())
			.isEqualTo(404);
		assertThat(get("/receipts/CXL-0000-0000?t=" + myToken, "text/html").statusCode()).isEqualTo(404);
		assertThat(get("/receipts/" + number.toLowerCase() + "?t=" + myToken, "text/html").statusCode()).isEqualTo(200);
	}

	private Matcher link(String account) {
		Matcher m = LINK.matcher(Mailbox.latestBody(api, account, "CANCELLATION_CONFIRMATION"));
		assertThat(m.find()).as("an absolute receipt link in the confirmation").isTrue();
		return m;
	}

	private HttpResponse<String> get(String pathAndQuery, String accept) {
		try {
			return anonymous.send(HttpRequest.newBuilder(URI.create(url(pathAndQuery))).header("Accept", accept).GET().build(),
					HttpResponse.BodyHandlers.ofString());
		}
		catch (IOException e) {
			throw new IllegalStateException(e);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(e);
		}
	}
}
