package dev.subdesk.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class SignaturesTests {

	// The check vector of the Standard Webhooks specification (shared/STACK-NOTES.md)
	private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
	private static final String ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
	private static final String BODY = "{\"test\": 2432232314}";
	private static final String SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

	@Test
	void theTestsOwnVerifierAcceptsTheSpecificationsVectorAndNothingElse() {
		assertThat(StandardWebhooksVerifier.verifies(SECRET, ID, "1614265330", BODY, SIGNATURE)).isTrue();
		assertThat(StandardWebhooksVerifier.verifies(SECRET, ID, "1614265331", BODY, SIGNATURE)).isFalse();
		assertThat(StandardWebhooksVerifier.verifies(SECRET, ID, "1614265330", BODY + " ", SIGNATURE)).isFalse();
		assertThat(StandardWebhooksVerifier.verifies(SECRET, ID, "1614265330", BODY, "v2," + SIGNATURE.substring(3)))
			.isFalse();
	}

	@Test
	void theSignerMakesTheSpecificationsVector() {
		assertThat(Signatures.header(List.of(SECRET), ID, 1614265330L, BODY)).isEqualTo(SIGNATURE);
	}

	@Test
	void twoSecretsMakeTwoEntriesSeparatedByASpaceEachVerifyingWithItsOwnSecret() {
		String other = Signatures.newSecret();
		String header = Signatures.header(List.of(other, SECRET), ID, 1614265330L, BODY);
		assertThat(header.split(" ")).hasSize(2).contains(SIGNATURE);
		assertThat(StandardWebhooksVerifier.verifies(other, ID, "1614265330", BODY, header)).isTrue();
		assertThat(StandardWebhooksVerifier.verifies(SECRET, ID, "1614265330", BODY, header)).isTrue();
	}

	@Test
	void aNewSecretIsWhsecAndTheBase64Of32RandomBytes() {
		String secret = Signatures.newSecret();
		assertThat(secret).startsWith("whsec_");
		assertThat(Base64.getDecoder().decode(secret.substring(6))).hasSize(32);
		assertThat(Signatures.newSecret()).isNotEqualTo(secret);
	}
}
