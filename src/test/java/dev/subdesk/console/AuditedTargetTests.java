package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** A look-up of the audit trail is itself audited; an email or a name typed there is recorded only masked. */
class AuditedTargetTests {

	private static final Predicate<String> STAFF = Set.of("supervisor", "agent")::contains;

	private static String auditedTarget(String typed) {
		return CaseController.auditedTarget(typed, STAFF);
	}

	@Test
	void idsCaseNumbersPathsAndUsernamesAreRecordedAsTyped() {
		assertThat(auditedTarget("acct_0000001AXY12ZZ34")).isEqualTo("acct_0000001AXY12ZZ34");
		assertThat(auditedTarget("CASE-7K3M9Q")).isEqualTo("CASE-7K3M9Q");
		assertThat(auditedTarget("/api/v1/accounts/acct_1/close")).isEqualTo("/api/v1/accounts/acct_1/close");
		assertThat(auditedTarget("supervisor")).isEqualTo("supervisor");
	}

	@Test
	void anEmailOrANameTypedIsRecordedMasked() {
		assertThat(auditedTarget("Erika.Privat@example.com")).doesNotContain("Erika.Privat")
			.endsWith("@example.com");
		assertThat(auditedTarget("Erika Privat")).doesNotContain("Erika").doesNotContain("Privat");
		assertThat(auditedTarget("Privat")).doesNotContain("Privat");
		assertThat(auditedTarget("smith")).as("shaped like a username, but nobody's").doesNotContain("smith");
		assertThat(auditedTarget("/erika.privat@example.com")).as("shaped like a path").doesNotContain("erika.privat");
	}
}
