package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.shared.Formats;
import dev.subdesk.testing.Api;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The portal's Devices page says until when each device is covered (what its entitlement tokens say), and a
 * contract withdrawn through the public form gives its devices no new entitlement token.
 */
@SubdeskIntegrationTest
class PortalDeviceCoverageIntegrationTests extends PortalTestSupport {

	/** The signed-in pages show dates in the account's zone: the test accounts are in Ireland (Europe/Dublin). */
	private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("d MMMM uuuu", Locale.ENGLISH)
		.withZone(Formats.zone("IE", null));

	@Test
	void theDevicesPageShowsUntilWhenEachDeviceIsCovered() {
		Customer c = customerWith("antivirus-annual");
		String monthly = fixtures.subscribe(c.account(), "antivirus-monthly");
		String vpn = fixtures.subscribe(c.account(), "vpn-annual");
		String laptop = device(c.account(), "Laptop", c.subscription());
		String tablet = device(c.account(), "Tablet", monthly);
		String phone = device(c.account(), "Phone", vpn);
		fixtures.cancel(monthly, "END_OF_TERM");
		fixtures.cancel(vpn, "IMMEDIATE");
		Instant paidUntil = Instant.parse(fixtures.subscription(c.subscription()).text("currentPeriodEnd"));
		Instant endsAt = Instant.parse(fixtures.subscription(monthly).text("cancelAt"));

		String page = new PortalSession(port).signIn(api, c.account()).get("/portal/devices").body();

		assertThat(page).contains("Covered until");
		assertThat(row(page, laptop)).contains("datetime=\"" + paidUntil + "\"").contains(DATE.format(paidUntil));
		assertThat(row(page, tablet)).as("until the scheduled cancellation takes effect")
			.contains("datetime=\"" + endsAt + "\"").contains(DATE.format(endsAt));
		assertThat(row(page, phone)).contains("Not covered").doesNotContain("datetime=");
	}

	@Test
	void aWithdrawnContractsDeviceGetsNoNewEntitlementToken() {
		Customer c = customerWith("antivirus-annual");
		String device = device(c.account(), "Laptop", c.subscription());
		assertThat(token(device).status()).isEqualTo(200);

		PortalSession session = new PortalSession(port);
		session.get("/withdraw");
		PortalSession.Page posted = session.post("/withdraw",
				PortalWithdrawalIntegrationTests.form("Erika Mustermann", c.email(), c.orderNumber()));
		assertThat(posted.status()).as(posted.body()).isEqualTo(302);
		assertThat(noticeTypes(c.account())).contains("WITHDRAWAL_ACKNOWLEDGEMENT");

		Api.Response refused = token(device);
		assertThat(refused.status()).as(refused.toString()).isEqualTo(409);
		assertThat(refused.code()).isEqualTo("NOT_ENTITLED");
		assertThat(api.get("/accounts/" + c.account() + "/entitlements").json().path("data").values()).isEmpty();
	}

	private Api.Response token(String device) {
		return api.post("/devices/" + device + "/entitlement-token", Map.of());
	}

	private String device(String account, String name, String subscription) {
		Api.Response answer = api.post("/accounts/" + account + "/devices",
				Map.of("name", name, "platform", "WINDOWS", "subscriptionId", subscription));
		assertThat(answer.status()).as(answer.toString()).isEqualTo(201);
		return answer.id();
	}

	/** The table row of one device. */
	private static String row(String page, String device) {
		int start = page.indexOf("id=\"device-" + device + "\"");
		assertThat(start).as("the row of " + device).isNotNegative();
		return page.substring(start, page.indexOf("</tr>", start));
	}
}
