package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.intake.PublicFormLimits;
import dev.subdesk.intake.PublicRequestRetention;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * What a stranger typed into a public form that matched no account is erased after 90 days, and not before.
 */
@SubdeskIntegrationTest
class PublicRequestRetentionIntegrationTests extends PortalTestSupport {

	@Autowired
	JdbcClient jdbc;

	@Autowired
	Clock clock;

	@Autowired
	PublicRequestRetention retention;

	/**
	 * The limits' record of the public forms (client addresses, email hashes) is kept a day, as RETENTION.md says,
	 * by a scheduled job: not only when someone sends a form again.
	 */
	@Test
	void theLimitsRecordOfThePublicFormsIsDeletedAfterADayByAScheduledJob(
			@Autowired org.springframework.scheduling.config.ScheduledTaskHolder scheduled) {
		String old = Fixtures.uniqueEmail();
		String recent = Fixtures.uniqueEmail();
		for (String email : List.of(old, recent)) {
			PortalSession browser = new PortalSession(port);
			browser.get("/cancel");
			assertThat(browser.post("/cancel", Map.of("kind", "ORDINARY", "name", "Someone", "email", email, "orderNumber",
					"ORD-0000-0000", "timing", "IMMEDIATELY", "confirmationEmail", email)).status()).isEqualTo(302);
		}
		jdbc.sql("UPDATE public_form_sends SET sent_at = :at WHERE email_hash = :hash")
			.param("at", java.sql.Timestamp.from(clock.instant().minus(Duration.ofDays(1)).minusSeconds(60)))
			.param("hash", PublicFormLimits.hash(old))
			.update();
		org.springframework.scheduling.config.ScheduledTask job = scheduled.getScheduledTasks()
			.stream()
			.filter(t -> t.getTask().toString().contains("PublicFormLimits"))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no scheduled job of PublicFormLimits among " + scheduled.getScheduledTasks()));

		job.getTask().getRunnable().run();

		assertThat(sends(old)).as("more than a day old").isZero();
		assertThat(sends(recent)).as("inside the day").isEqualTo(1);
	}

	private long sends(String email) {
		return jdbc.sql("SELECT count(*) FROM public_form_sends WHERE email_hash = :hash")
			.param("hash", PublicFormLimits.hash(email)).query(Long.class).single();
	}

	@Test
	void whatWasTypedIntoAnUnmatchedRequestIsErasedAfterNinetyDaysAndNotBefore() {
		String email = Fixtures.uniqueEmail();
		String name = "Unmatched " + email.substring(0, email.indexOf('@'));
		PortalSession cancelling = new PortalSession(port);
		cancelling.get("/cancel");
		assertThat(cancelling.post("/cancel", Map.of("kind", "ORDINARY", "name", name, "email", email, "orderNumber",
				"ORD-0000-0000", "timing", "IMMEDIATELY", "confirmationEmail", email, "reason", "typed by " + name))
			.status()).isEqualTo(302);
		PortalSession withdrawing = new PortalSession(port);
		withdrawing.get("/withdraw");
		withdrawing.post("/withdraw", PortalWithdrawalIntegrationTests.form(name, email, "ORD-0000-0000"));
		String typedAsOrder = "Call 555-0100 " + email.substring(0, 8);
		PortalSession planting = new PortalSession(port);
		planting.get("/withdraw");
		planting.post("/withdraw", PortalWithdrawalIntegrationTests.form("Someone", "someone@example.com", typedAsOrder));
		assertThat(traces(name, email)).as("both forms kept what was typed").isEqualTo(2);
		assertThat(typedAsOrders(typedAsOrder)).isEqualTo(1);

		retention.erase(clock.instant().plus(Duration.ofDays(89)));
		assertThat(traces(name, email)).as("kept for 90 days").isEqualTo(2);

		retention.erase(clock.instant().plus(Duration.ofDays(91)));
		assertThat(traces(name, email)).as("erased after 90 days").isZero();
		assertThat(typedAsOrders(typedAsOrder)).as("text typed as an order number too").isZero();
		assertThat(jdbc.sql("SELECT count(*) FROM public_cancellation_requests WHERE order_number = 'ORD-0000-0000' "
				+ "AND name = 'Erased' AND confirmation_email = 'erased@invalid' AND reason IS NULL")
			.query(Long.class)
			.single()).as("the request itself stays").isPositive();
	}

	private long typedAsOrders(String typed) {
		return jdbc.sql("SELECT count(*) FROM public_withdrawal_requests WHERE order_number = :typed")
			.param("typed", typed)
			.query(Long.class)
			.single();
	}

	private long traces(String name, String email) {
		return jdbc.sql("""
				SELECT (SELECT count(*) FROM public_cancellation_requests
				        WHERE name = :name OR lower(email) = lower(:email) OR lower(confirmation_email) = lower(:email)
				           OR reason LIKE '%' || :name || '%')
				     + (SELECT count(*) FROM public_withdrawal_requests WHERE name = :name OR lower(email) = lower(:email))""")
			.param("name", name)
			.param("email", email)
			.query(Long.class)
			.single();
	}
}
