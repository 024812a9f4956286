package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A look-up of the audit trail is itself audited; an email or a name typed there is recorded only masked. */
class AuditedTargetTests {

	@Test
	void idsCaseNumbersPathsAndUsernamesAreRecordedAsTyped() {
		assertThat(CaseController.auditedTarget("acct_0000001AXY12ZZ34")).isEqualTo("acct_0000001AXY12ZZ34");
		assertThat(CaseController.auditedTarget("CASE-7K3M9Q")).isEqualTo("CASE-7K3M9Q");
		assertThat(CaseController.auditedTarget("/api/v1/accounts/acct_1/close")).isEqualTo("/api/v1/accounts/acct_1/close");
		assertThat(CaseController.auditedTarget("supervisor")).isEqualTo("supervisor");
	}

	@Test
	void anEmailOrANameTypedIsRecordedMasked() {
		assertThat(CaseController.auditedTarget("Erika.Privat@example.com")).doesNotContain("Erika.Privat")
			.endsWith("@example.com");
		assertThat(CaseController.auditedTarget("Erika Privat")).doesNotContain("Erika").doesNotContain("Privat");
		assertThat(CaseController.auditedTarget("Privat")).doesNotContain("Privat");
	}
}
