package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.SubdeskIntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The devices page (deactivate one) and the auto-renewal switch of "My subscriptions". */
@SubdeskIntegrationTest
class PortalDevicesAndRenewalIntegrationTests extends PortalTestSupport {

	@Test
	void turningAutoRenewalOffShowsItsConfirmationNumberAndTurningItOnAgainResumes() {
		Customer c = customerWith("antivirus-annual");
		PortalSession session = new PortalSession(port).signIn(api, c.account());
		assertThat(session.get("/portal").body()).contains("Turn auto-renewal off");

		PortalSession.Page off = session.post("/portal/subscriptions/" + c.subscription() + "/auto-renew",
				Map.of("autoRenew", "false"));

		assertThat(off.location()).endsWith("/portal");
		String page = session.get("/portal").body();
		assertThat(page).contains("Auto-renewal is off").containsPattern("/portal/cancellations/CXL-[0-9A-Z]{4}-[0-9A-Z]{4}");
		String number = page.replaceAll("(?s).*/portal/cancellations/(CXL-[0-9A-Z]{4}-[0-9A-Z]{4}).*", "$1");
		JsonNode cancellation = api.get("/cancellations/" + number).json();
		assertThat(cancellation.path("mode").asString()).isEqualTo("END_OF_TERM");
		assertThat(cancellation.path("channel").asString()).isEqualTo("PORTAL");
		assertThat(fixtures.subscription(c.subscription()).json().path("autoRenew").asBoolean()).isFalse();
		assertThat(page).doesNotContain("Turn auto-renewal off");
		assertThat(session.get("/portal/cancellations/" + number).body()).contains("Cancellation confirmed")
			.doesNotContain("id=\"status-now\"");

		session.post("/portal/subscriptions/" + c.subscription() + "/auto-renew", Map.of("autoRenew", "true"));

		assertThat(session.get("/portal").body()).contains("Auto-renewal is on again");
		assertThat(fixtures.subscription(c.subscription()).json().path("autoRenew").asBoolean()).isTrue();
		// the emailed link to the withdrawn cancellation no longer reads as an end: the subscription renews
		assertThat(session.get("/portal/cancellations/" + number).body()).contains("Cancellation no longer in force")
			.contains("id=\"status-now\"")
			.contains("withdrawn by the customer (the subscription continues)")
			.doesNotContain("<h1>Cancellation confirmed</h1>");
		assertThat(session.get("/portal/cancellations/" + number + "/receipt").body()).contains("id=\"status-now\"")
			.contains("the cancellation is no longer in force: withdrawn by the customer");
	}

	@Test
	void anotherCustomersSubscriptionCannotBeSwitchedNorABadValueSentAndCsrfIsRequired() {
		Customer mine = customerWith("antivirus-annual");
		Customer theirs = customerWith("antivirus-annual");
		PortalSession session = new PortalSession(port).signIn(api, mine.account());
		session.get("/portal");

		assertThat(session.post("/portal/subscriptions/" + theirs.subscription() + "/auto-renew", Map.of("autoRenew", "false"))
			.status()).isEqualTo(404);
		assertThat(session.post("/portal/subscriptions/" + mine.subscription() + "/auto-renew", Map.of("autoRenew", "maybe"))
			.status()).isEqualTo(400);
		assertThat(session.postWithoutToken("/portal/subscriptions/" + mine.subscription() + "/auto-renew",
				Map.of("autoRenew", "false")).status()).isEqualTo(403);

		assertThat(fixtures.subscription(theirs.subscription()).json().path("autoRenew").asBoolean()).isTrue();
		assertThat(fixtures.subscription(mine.subscription()).json().path("autoRenew").asBoolean()).isTrue();
	}

	@Test
	void theDevicesPageListsDevicesBySubscriptionAndDeactivatingOneFreesItsSeat() {
		Customer c = customerWith("antivirus-annual");
		String vpn = fixtures.subscribe(c.account(), "vpn-annual");
		String laptop = device(c.account(), "Work laptop", c.subscription());
		String phone = device(c.account(), "Phone", vpn);
		PortalSession session = new PortalSession(port).signIn(api, c.account());

		String page = session.get("/portal/devices").body();
		assertThat(page).contains("Acme Antivirus, yearly · " + c.orderNumber()).contains("Work laptop").contains("Phone")
			.contains("id=\"device-" + laptop + "\"");
		PortalSession.Page done = session.post("/portal/devices/" + laptop + "/deactivate", Map.of());

		assertThat(done.location()).endsWith("/portal/devices");
		assertThat(session.get("/portal/devices").body()).contains("Deactivated: Work laptop").doesNotContain("id=\"device-" + laptop + "\"");
		assertThat(activeDevices(c.account())).containsExactly(phone);
		assertThat(session.get("/portal").body()).doesNotContain("Work laptop");
	}

	@Test
	void anotherCustomersDeviceIsNotFoundAndAFormWithoutCsrfIsRefused() {
		Customer mine = customerWith("antivirus-annual");
		Customer theirs = customerWith("antivirus-annual");
		String myDevice = device(mine.account(), "Mine", mine.subscription());
		String theirDevice = device(theirs.account(), "Theirs", theirs.subscription());
		PortalSession session = new PortalSession(port).signIn(api, mine.account());

		assertThat(session.get("/portal/devices").body()).doesNotContain(theirDevice);
		assertThat(session.post("/portal/devices/" + theirDevice + "/deactivate", Map.of()).status()).isEqualTo(404);
		assertThat(session.postWithoutToken("/portal/devices/" + myDevice + "/deactivate", Map.of()).status()).isEqualTo(403);
		assertThat(new PortalSession(port).get("/portal/devices").location()).contains("/portal/sign-in");

		assertThat(activeDevices(theirs.account())).containsExactly(theirDevice);
		assertThat(activeDevices(mine.account())).containsExactly(myDevice);
	}

	private String device(String account, String name, String subscription) {
		return api.post("/accounts/" + account + "/devices",
				Map.of("name", name, "platform", "WINDOWS", "subscriptionId", subscription)).id();
	}

	private List<String> activeDevices(String account) {
		return api.get("/accounts/" + account + "/devices").json().path("data").values().stream()
			.filter(d -> "ACTIVE".equals(d.path("status").asString()))
			.map(d -> d.path("id").asString())
			.toList();
	}
}
