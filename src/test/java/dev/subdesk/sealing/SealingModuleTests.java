package dev.subdesk.sealing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.testing.ModuleTest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * The key-encryption key boots with the clock only (which dates its record of the key in use): a secret sealed for one
 * owner opens for that owner only, and a sealed secret with one byte changed does not open at all.
 */
@ModuleTest(extraIncludes = "clock")
@TestPropertySource(properties = "subdesk.entitlements.kek=c3ViZGVzay1tb2R1bGUta2VrLTMyLWJ5dGVzLWxvbiE=")
class SealingModuleTests {

	@Autowired
	KeyEncryptionKey kek;

	@Test
	void aSealedSecretOpensForItsOwnerOnlyAndNotOnceTamperedWith() {
		byte[] secret = "whsec_not-a-real-secret".getBytes(StandardCharsets.UTF_8);
		byte[] sealed = kek.seal(secret, "we_module");
		byte[] again = kek.seal(secret, "we_module");
		assertThat(sealed).isNotEqualTo(again); // a fresh nonce each time
		assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("not-a-real-secret");

		assertThat(kek.open(sealed, "we_module", kek.id())).isEqualTo(secret);
		assertThatThrownBy(() -> kek.open(sealed, "we_other", kek.id())).isInstanceOf(IllegalStateException.class);
		assertThatThrownBy(() -> kek.open(sealed, "we_module", "kek_another")).isInstanceOf(IllegalStateException.class);
		byte[] tampered = sealed.clone();
		tampered[tampered.length - 1] ^= 1;
		assertThatThrownBy(() -> kek.open(tampered, "we_module", kek.id())).isInstanceOf(IllegalStateException.class);
	}
}
