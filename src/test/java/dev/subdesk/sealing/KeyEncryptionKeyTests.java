package dev.subdesk.sealing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class KeyEncryptionKeyTests {

	private static final String KEK = Base64.getEncoder().encodeToString(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
			13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 });

	@Test
	void withAnExternalDatabaseTheServerRefusesToStartWithoutAKeyEncryptionKey() {
		assertThatThrownBy(() -> new KeyEncryptionKey("", "jdbc:postgresql://db.example/subdesk"))
			.isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("SUBDESK_ENTITLEMENT_KEK is not set");
	}

	@Test
	void aKeyThatIsNotBase64Of32BytesIsRefused() {
		assertThatThrownBy(() -> new KeyEncryptionKey("not base64!", "")).hasMessageContaining("not base64");
		assertThatThrownBy(() -> new KeyEncryptionKey(Base64.getEncoder().encodeToString(new byte[16]), ""))
			.hasMessageContaining("must be 32 bytes");
	}

	@Test
	void sealedTextOpensOnlyWithTheSameKeyAndTheSameKeyId() {
		KeyEncryptionKey kek = new KeyEncryptionKey(KEK, "jdbc:postgresql://db.example/subdesk");
		byte[] secret = "thirty-two bytes of private seed".getBytes(StandardCharsets.UTF_8);

		byte[] sealed = kek.seal(secret, "ek_1");

		assertThat(sealed).hasSize(12 + 32 + 16).isNotEqualTo(kek.seal(secret, "ek_1"));
		assertThat(kek.open(sealed, "ek_1", kek.id())).isEqualTo(secret);
		assertThatThrownBy(() -> kek.open(sealed, "ek_2", kek.id())).hasMessageContaining("does not open");
		KeyEncryptionKey demo = new KeyEncryptionKey("", "");
		assertThat(demo.id()).isNotEqualTo(kek.id());
		assertThatThrownBy(() -> demo.open(sealed, "ek_1", kek.id())).hasMessageContaining("sealed with another");
	}
}
