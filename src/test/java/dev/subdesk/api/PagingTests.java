package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.sealing.KeyEncryptionKey;
import dev.subdesk.shared.Page;
import java.util.Base64;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The cursors of the lists are signed with a key derived from the key-encryption key: a node started with the same
 * configuration (another node, the same one after a restart) gives the same cursor and takes the other's; one with
 * another key, another list, or any changed byte does not.
 */
class PagingTests {

	private static final String KEK = Base64.getEncoder().encodeToString(new byte[32]);

	private static final String OTHER_KEK = Base64.getEncoder().encodeToString(IntStream.range(0, 32)
		.collect(java.io.ByteArrayOutputStream::new, (out, i) -> out.write(i), (a, b) -> {
		})
		.toByteArray());

	private static Paging node(String kek) {
		return new Paging(new KeyEncryptionKey(kek, "jdbc:postgresql://db/subdesk"));
	}

	/**
	 * After a rotation of the key-encryption key, a node with the new key and the old one listed as previous takes the
	 * cursors given under the old one and gives cursors under the new one; once the old key is dropped, its cursors
	 * are refused like made-up ones.
	 */
	@Test
	void aCursorGivenUnderAPreviousKeyIsTakenWhileThatKeyIsListed() {
		Page.Cursor position = new Page.Cursor(1_700_000_000L, 42);
		String before = node(KEK).seal(position, "/api/v1/events");
		Paging rotated = new Paging(new KeyEncryptionKey(OTHER_KEK, KEK, "jdbc:postgresql://db/subdesk"));

		assertThat(rotated.open(before, "/api/v1/events")).contains(position);
		assertThat(rotated.open(before, "/api/v1/plans")).as("another list").isEmpty();
		String after = rotated.seal(position, "/api/v1/events");
		assertThat(after).as("new cursors under the current key").isEqualTo(node(OTHER_KEK).seal(position, "/api/v1/events"));
		assertThat(node(OTHER_KEK).open(before, "/api/v1/events")).as("the previous key dropped").isEmpty();
	}

	@Test
	void twoNodesWithTheSameKeyGiveAndTakeTheSameCursor() {
		Paging one = node(KEK);
		Paging restarted = node(KEK);
		for (Page.Cursor position : List.of(new Page.Cursor(1_700_000_000L, 42), new Page.Cursor(0, 0),
				new Page.Cursor(Long.MAX_VALUE, Long.MAX_VALUE - 1), new Page.Cursor(4_300_000_000L, 9_000_000_000L))) {
			String cursor = one.seal(position, "/api/v1/events");
			assertThat(cursor).matches("[A-Za-z0-9_-]+").hasSizeLessThanOrEqualTo(43);
			assertThat(restarted.seal(position, "/api/v1/events")).isEqualTo(cursor);
			assertThat(restarted.open(cursor, "/api/v1/events")).contains(position);
			assertThat(node(OTHER_KEK).open(cursor, "/api/v1/events")).as("another key").isEmpty();
			assertThat(restarted.open(cursor, "/api/v1/plans")).as("another list").isEmpty();
		}
	}

	@Test
	void anyChangedByteIsNotACursor() {
		Paging paging = node(KEK);
		String cursor = paging.seal(new Page.Cursor(1_700_000_000L, 7), "/api/v1/plans");
		byte[] bytes = Base64.getUrlDecoder().decode(cursor);
		for (int i = 0; i < bytes.length; i++) {
			for (int bit = 0; bit < 8; bit++) {
				byte[] changed = bytes.clone();
				changed[i] ^= (byte) (1 << bit);
				assertThat(paging.open(Base64.getUrlEncoder().withoutPadding().encodeToString(changed), "/api/v1/plans"))
					.as("byte %d bit %d", i, bit).isEmpty();
			}
		}
		assertThat(paging.open(cursor.substring(1), "/api/v1/plans")).isEmpty();
		assertThat(paging.open(cursor + "A", "/api/v1/plans")).isEmpty();
		assertThat(paging.open("", "/api/v1/plans")).isEmpty();
		assertThat(paging.open("MTcwMDAwMDAwMDo1", "/api/v1/plans")).as("a cursor of the unsigned kind").isEmpty();
	}

	@Test
	void aListInMemoryPagesWithItsOwnCursors() {
		Paging paging = node(KEK);
		List<Integer> items = List.of(1, 2, 3, 4, 5);
		Page<Integer> first = paging.slice(items, "2", null);
		assertThat(first.data()).containsExactly(1, 2);
		String next = paging.list(first, i -> i).nextCursor();
		assertThat(next).isNotNull();
		assertThat(paging.slice(items, "2", next).data()).containsExactly(3, 4);
	}
}
