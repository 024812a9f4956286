package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.SubdeskIntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A sign-in code goes to the customer's mailbox only: the API lists the notice without its text, so API access is
 * no way into a customer's portal account. Without a mail server every notice is STORED.
 */
@SubdeskIntegrationTest
class OneTimeCodesStayOutOfTheApiIntegrationTests extends PortalTestSupport {

	@Test
	void theApiListsTheSignInCodeNoticeWithoutItsTextAndOnlyTheEmailedCodeSignsIn() {
		Customer c = customerWith("antivirus-annual");
		PortalSession session = new PortalSession(port).requestCode(c.email());
		String code = PortalSession.latestCode(api, c.account());

		String listed = api.get("/accounts/" + c.account() + "/notices?limit=50").raw();
		List<JsonNode> notices = api.get("/accounts/" + c.account() + "/notices?limit=50").json().path("data").values()
			.stream().toList();

		assertThat(notices).filteredOn(n -> "SIGN_IN_CODE".equals(n.path("type").asString()))
			.singleElement()
			.satisfies(n -> assertThat(n.path("body").isNull()).as(n.toString()).isTrue());
		assertThat(notices).filteredOn(n -> !"SIGN_IN_CODE".equals(n.path("type").asString()))
			.isNotEmpty()
			.allSatisfy(n -> assertThat(n.path("body").asString()).contains("How to cancel"));
		assertThat(notices).allSatisfy(n -> {
			assertThat(n.path("deliveryStatus").asString()).isEqualTo("STORED");
			assertThat(n.path("deliveryError").isNull()).isTrue();
		});
		assertThat(listed).doesNotContain(code);
		assertThat(session.post("/portal/sign-in/code", Map.of("code", code)).location()).endsWith("/portal");
	}
}
