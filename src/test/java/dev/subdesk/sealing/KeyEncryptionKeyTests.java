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

	private static final String NEW_KEK = Base64.getEncoder().encodeToString(
			"a new key-encryption key, 32 byt".getBytes(StandardCharsets.US_ASCII));

	@Test
	void whatAPreviousKeySealedOpensAndSealingUsesTheCurrentKey() {
		KeyEncryptionKey old = new KeyEncryptionKey(KEK, "jdbc:postgresql://db.example/subdesk");
		byte[] secret = "thirty-two bytes of private seed".getBytes(StandardCharsets.UTF_8);
		byte[] sealedBefore = old.seal(secret, "ek_1");
		KeyEncryptionKey rotated = new KeyEncryptionKey(NEW_KEK, " " + KEK + " ", "jdbc:postgresql://db.example/subdesk");

		assertThat(rotated.id()).isNotEqualTo(old.id());
		assertThat(rotated.previousIds()).containsExactly(old.id());
		assertThat(rotated.opens(old.id())).isTrue();
		assertThat(rotated.open(sealedBefore, "ek_1", old.id())).isEqualTo(secret);
		assertThatThrownBy(() -> rotated.open(sealedBefore, "ek_1", rotated.id())).hasMessageContaining("does not open");

		byte[] resealed = rotated.reseal(sealedBefore, "ek_1", old.id());
		assertThat(new KeyEncryptionKey(NEW_KEK, "").open(resealed, "ek_1", rotated.id())).isEqualTo(secret);
		assertThat(rotated.open(rotated.seal(secret, "ek_1"), "ek_1", rotated.id())).isEqualTo(secret);
		assertThatThrownBy(() -> old.open(resealed, "ek_1", rotated.id())).hasMessageContaining("sealed with another");

		assertThat(rotated.derive("cursors")).isEqualTo(new KeyEncryptionKey(NEW_KEK, "").derive("cursors"));
		assertThat(rotated.derivedKeys("cursors")).containsExactly(rotated.derive("cursors"), old.derive("cursors"));
		assertThat(rotated.derive("cursors", old.id())).contains(old.derive("cursors"));
		assertThat(rotated.derive("cursors", "kek_0000000000000000")).isEmpty();
	}

	@Test
	void withoutThePreviousKeyWhatItSealedIsRefusedNamingTheSetting() {
		KeyEncryptionKey old = new KeyEncryptionKey(KEK, "");
		byte[] sealed = old.seal(new byte[] { 1 }, "we_1");
		KeyEncryptionKey onlyNew = new KeyEncryptionKey(NEW_KEK, "");

		assertThatThrownBy(() -> onlyNew.open(sealed, "we_1", old.id()))
			.hasMessageContaining("was sealed with another SUBDESK_ENTITLEMENT_KEK (" + old.id() + ", this server has "
					+ onlyNew.id() + ")")
			.hasMessageContaining("SUBDESK_ENTITLEMENT_KEK_PREVIOUS");
		assertThat(onlyNew.previousIds()).isEmpty();
	}

	@Test
	void previousKeysAreCheckedLikeTheCurrentOneWhenTheServerStarts() {
		String db = "jdbc:postgresql://db.example/subdesk";
		assertThatThrownBy(() -> new KeyEncryptionKey(NEW_KEK, KEK + ",not base64!", db))
			.hasMessage("SUBDESK_ENTITLEMENT_KEK_PREVIOUS (key 2 of 2) is not base64: set it to base64 of 32 random bytes");
		assertThatThrownBy(() -> new KeyEncryptionKey(NEW_KEK, Base64.getEncoder().encodeToString(new byte[16]), db))
			.hasMessage("SUBDESK_ENTITLEMENT_KEK_PREVIOUS (key 1 of 1) must be 32 bytes (AES-256), base64; it is 16 bytes");
		assertThatThrownBy(() -> new KeyEncryptionKey(NEW_KEK, KEK + ",,", db))
			.hasMessageStartingWith("SUBDESK_ENTITLEMENT_KEK_PREVIOUS (key 2 of 3) is empty");
		assertThatThrownBy(() -> new KeyEncryptionKey(NEW_KEK, NEW_KEK, db))
			.hasMessageContaining("is the current SUBDESK_ENTITLEMENT_KEK");
		assertThatThrownBy(() -> new KeyEncryptionKey(NEW_KEK, KEK + "," + KEK, db)).hasMessageContaining("listed twice");
		assertThat(new KeyEncryptionKey(NEW_KEK, "", db).previousIds()).isEmpty();
	}

	@Test
	void aNextKeyOpensWhatItSealedButIsNeitherCurrentNorPrevious() {
		String db = "jdbc:postgresql://db.example/subdesk";
		KeyEncryptionKey newNode = new KeyEncryptionKey(NEW_KEK, KEK, db);
		byte[] secret = "thirty-two bytes of private seed".getBytes(StandardCharsets.UTF_8);
		byte[] sealedByNew = newNode.seal(secret, "we_1");
		KeyEncryptionKey oldNode = new KeyEncryptionKey(KEK, "", NEW_KEK, db);

		assertThat(oldNode.previousIds()).as("nothing is re-sealed away from a next key").isEmpty();
		assertThat(oldNode.nextIds()).containsExactly(newNode.id());
		assertThat(oldNode.openingIds()).containsExactly(oldNode.id(), newNode.id());
		assertThat(oldNode.opens(newNode.id())).isTrue();
		assertThat(oldNode.open(sealedByNew, "we_1", newNode.id())).isEqualTo(secret);
		assertThat(newNode.open(oldNode.seal(secret, "we_1"), "we_1", oldNode.id())).as("sealed with the current key")
			.isEqualTo(secret);
		assertThat(oldNode.derive("cursors")).isEqualTo(new KeyEncryptionKey(KEK, "").derive("cursors"));
		assertThat(oldNode.derivedKeys("cursors")).containsExactly(oldNode.derive("cursors"), newNode.derive("cursors"));
		assertThat(oldNode.derive("cursors", newNode.id())).contains(newNode.derive("cursors"));

		assertThatThrownBy(() -> new KeyEncryptionKey(KEK, "", "not base64!", db))
			.hasMessage("SUBDESK_ENTITLEMENT_KEK_NEXT (key 1 of 1) is not base64: set it to base64 of 32 random bytes");
		assertThatThrownBy(() -> new KeyEncryptionKey(KEK, "", NEW_KEK + ",", db))
			.hasMessageStartingWith("SUBDESK_ENTITLEMENT_KEK_NEXT (key 2 of 2) is empty");
		assertThatThrownBy(() -> new KeyEncryptionKey(KEK, "", KEK, db))
			.hasMessageContaining("is the current SUBDESK_ENTITLEMENT_KEK");
		assertThatThrownBy(() -> new KeyEncryptionKey(KEK, NEW_KEK, NEW_KEK, db))
			.hasMessageContaining("also listed in SUBDESK_ENTITLEMENT_KEK_PREVIOUS");
		assertThatThrownBy(() -> new KeyEncryptionKey(KEK, "", NEW_KEK + "," + NEW_KEK, db))
			.hasMessageContaining("listed twice");
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

	/**
	 * Stored bytes too short to hold a nonce and a tag (a truncated or overwritten row) do not open, and say so the
	 * way any value that does not open does: an {@link IllegalStateException}, which every caller handles as "does
	 * not open" (an {@link IllegalArgumentException} from the cipher's setup escaped them).
	 */
	@Test
	void storedBytesTooShortToHaveBeenSealedDoNotOpen() {
		KeyEncryptionKey kek = new KeyEncryptionKey(KEK, "");
		byte[] sealed = kek.seal(new byte[] { 1, 2, 3 }, "we_1");
		for (int length : new int[] { 0, 1, 11, 12, 27 }) {
			byte[] cut = java.util.Arrays.copyOf(sealed, Math.min(length, sealed.length));
			assertThatThrownBy(() -> kek.open(cut, "we_1", kek.id())).as("%d bytes", length)
				.isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("does not open");
		}
		assertThat(kek.open(sealed, "we_1", kek.id())).containsExactly(1, 2, 3);
	}
}
