package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.support.AuditTrail;
import dev.subdesk.support.CaseRules;
import dev.subdesk.support.CallerVerification.Claims;
import dev.subdesk.support.CallerVerification.Outcome;
import dev.subdesk.support.CallerVerification;
import dev.subdesk.testing.ApiIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

class CallerVerificationIntegrationTests extends ApiIntegrationTest {

	@Autowired
	dev.subdesk.support.Support support;

	@Autowired
	CaseRules rules;

	@Autowired
	CallerVerification verification;

	@Autowired
	AuditTrail audit;

	@Test
	void twoMatchingFactorsVerifyTheCallerForThatAgentOnly() {
		String account = fixtures.accountWithVisa();
		String email = api.get("/accounts/" + account).text("email");
		String order = fixtures.subscription(fixtures.subscribe(account, "vpn-annual")).text("orderNumber");

		assertThat(verification.verify(account, "agent-ann", null, new Claims(email.toUpperCase(), null, null)).outcome())
			.isEqualTo(Outcome.NOT_VERIFIED);
		assertThat(verification.verify(account, "agent-ann", null, new Claims(null, order.toLowerCase(), "4242")).outcome())
			.isEqualTo(Outcome.VERIFIED);
		assertThat(verification.isVerified(account, "agent-ann")).isTrue();
		assertThat(verification.isVerified(account, "agent-bob")).isFalse();
		assertThat(audit.about(account)).extracting(AuditTrail.Entry::action)
			.containsExactly("VERIFY_CALLER_FAILED", "VERIFY_CALLER_OK");
	}

	@Test
	void aFailedAttemptAfterAVerificationEndsItUntilTheCallerIsVerifiedAgain() {
		String account = fixtures.accountWithVisa();
		String email = api.get("/accounts/" + account).text("email");
		Claims right = new Claims(email, null, "4242");
		assertThat(verification.verify(account, "agent-ann", null, right).outcome()).isEqualTo(Outcome.VERIFIED);
		assertThat(verification.verify(account, "agent-bob", null, right).outcome()).isEqualTo(Outcome.VERIFIED);

		assertThat(verification.verify(account, "agent-ann", null, new Claims("someone@example.com", null, "1111"))
			.outcome()).isEqualTo(Outcome.NOT_VERIFIED);

		assertThat(verification.isVerified(account, "agent-ann")).as("the next caller is not the one verified").isFalse();
		assertThat(verification.isVerified(account, "agent-bob")).as("another agent's call").isTrue();
		assertThat(verification.verify(account, "agent-ann", null, right).outcome()).isEqualTo(Outcome.VERIFIED);
		assertThat(verification.isVerified(account, "agent-ann")).isTrue();
	}

	@Test
	void fiveFailedAttemptsLockVerificationForThirtyMinutesAndOpenASecurityCase() {
		String account = fixtures.accountWithVisa();
		String email = api.get("/accounts/" + account).text("email");
		Claims wrong = new Claims("someone@example.com", "ORD-0000-0000", "1111");
		for (int i = 1; i <= 4; i++) {
			CallerVerification.Result result = verification.verify(account, "agent-ann", null, wrong);
			assertThat(result.outcome()).isEqualTo(Outcome.NOT_VERIFIED);
			assertThat(result.attemptsLeft()).isEqualTo(5 - i);
		}
		CallerVerification.Result locked = verification.verify(account, "agent-ann", null, wrong);
		assertThat(locked.outcome()).isEqualTo(Outcome.LOCKED);
		assertThat(api.get("/cases/" + locked.securityCase()).text("subject")).startsWith("Security:");
		// straight to the supervisors' queue, urgent, and out of reach of the agent whose attempts caused it
		dev.subdesk.support.SupportCase security = support.find(locked.securityCase()).orElseThrow();
		assertThat(security.status()).isEqualTo(dev.subdesk.support.SupportCase.Status.ESCALATED);
		assertThat(security.priority()).isEqualTo(dev.subdesk.support.SupportCase.Priority.HIGH);
		assertThat(rules.mayTake(security, new CaseRules.Worker("agent-ann", false))).isFalse();
		assertThat(rules.mayTake(security, new CaseRules.Worker("agent-bob", false))).isFalse();
		assertThat(rules.mayTake(security, new CaseRules.Worker("sue", true))).as("a supervisor").isTrue();
		assertThat(fixtures.notices(account, "CASE_UPDATE")).as("the customer is told once").hasSize(1);

		Claims right = new Claims(email, null, "4242");
		assertThat(verification.verify(account, "agent-bob", null, right).outcome()).isEqualTo(Outcome.LOCKED);
		fixtures.advance("PT31M");
		assertThat(verification.verify(account, "agent-bob", null, right).outcome()).isEqualTo(Outcome.VERIFIED);
	}
}
