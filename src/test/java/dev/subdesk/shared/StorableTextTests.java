package dev.subdesk.shared;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A remote party's text as stored: on one line, without U+0000 or a broken pair, cut to its limit. */
class StorableTextTests {

	@Test
	void controlCharactersAndBrokenPairsAreReplacedAndLineBreaksBecomeSpaces() {
		String excerpt = StorableText.excerpt("HTTP/1.1 2\u00000 OK\r\nX:\ta\u0007b \ud800c \udc00d \ud83d\ude00", 100);
		assertThat(excerpt).isEqualTo("HTTP/1.1 2\ufffd0 OK  X: a\ufffdb \ufffdc \ufffdd \ud83d\ude00");
		assertThat(StorableText.storable(excerpt)).isTrue();
	}

	@Test
	void theCutNeverSplitsAPair() {
		assertThat(StorableText.excerpt("ab\ud83d\ude00cd", 3)).isEqualTo("ab");
		assertThat(StorableText.excerpt("ab\ud83d\ude00cd", 4)).isEqualTo("ab\ud83d\ude00");
		assertThat(StorableText.excerpt("abcdef", 4)).isEqualTo("abcd");
		assertThat(StorableText.excerpt("", 4)).isEmpty();
	}
}
