package dev.subdesk.shared;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DigestsTests {

	@Test
	void theHexDigestIsTheStandardsVectorInLowerCase() {
		// FIPS 180-2, appendix B.1 and the empty message
		assertThat(Digests.sha256Hex("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
		assertThat(Digests.sha256Hex("")).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	}

	@Test
	void textIsDigestedAsItsUtf8Bytes() {
		String text = "Kündigung bestätigt ✓";

		assertThat(Digests.sha256(text)).isEqualTo(Digests.sha256(text.getBytes(StandardCharsets.UTF_8)))
			.hasSize(32)
			.isNotEqualTo(Digests.sha256(text.getBytes(StandardCharsets.ISO_8859_1)));
	}
}
