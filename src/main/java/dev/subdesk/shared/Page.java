package dev.subdesk.shared;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * One page of a list, newest first, and the cursor of the next page. Most lists are ordered by
 * {@code (created_at DESC, seq DESC)}; a cursor is the position of the last row returned.
 */
public record Page<T>(List<T> data, @Nullable String nextCursor) {

	public <R> Page<R> map(Function<T, R> mapper) {
		return new Page<>(data.stream().map(mapper).toList(), nextCursor);
	}

	/**
	 * Where a page starts: after the row at {@code (key, seq)}, or at the top. {@code key} is the row's creation
	 * second for the lists by creation ({@link #createdAt()}); a list in another order gives it its own meaning (the
	 * event log: the writing transaction). Both are never negative.
	 */
	public record Cursor(long key, long seq) {

		/** The last second a list by creation starts from: the end of the year 9999, which the database holds. */
		private static final long LAST_SECOND = Instant.parse("9999-12-31T00:00:00Z").getEpochSecond();

		public static final Cursor TOP = new Cursor(Long.MAX_VALUE, Long.MAX_VALUE);

		public Cursor {
			if (key < 0 || seq < 0) {
				throw new IllegalArgumentException("A position is not negative: " + key + ", " + seq);
			}
		}

		/** The position of a row of a list by creation (to the second, as cursors have always carried it). */
		public Cursor(Instant createdAt, long seq) {
			this(createdAt.getEpochSecond(), seq);
		}

		/** The key as the creation second of a list by creation; the top is the end of the year 9999. */
		public Instant createdAt() {
			return Instant.ofEpochSecond(Math.min(key, LAST_SECOND));
		}

		public String encode() {
			String raw = key + ":" + seq;
			return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
		}

		/**
		 * Decodes a cursor a client sent back; empty when it is not one the server could have given: exactly the
		 * encoding {@link #encode()} makes (no padding, no leading zeros or signs, one {@code :}) of two numbers that
		 * are not negative, the key at most the end of the year 9999.
		 */
		public static Optional<Cursor> decode(String cursor) {
			try {
				String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
				String[] parts = raw.split(":", -1);
				if (parts.length != 2) {
					return Optional.empty();
				}
				long key = Long.parseLong(parts[0]);
				long seq = Long.parseLong(parts[1]);
				if (key < 0 || key > LAST_SECOND || seq < 0) {
					return Optional.empty();
				}
				Cursor decoded = new Cursor(key, seq);
				return decoded.encode().equals(cursor) ? Optional.of(decoded) : Optional.empty();
			}
			catch (IllegalArgumentException e) {
				return Optional.empty();
			}
		}
	}

	/** What a list call asked for: a page size and a starting cursor. */
	public record Request(int limit, Cursor after) {

		public static Request first(int limit) {
			return new Request(limit, Cursor.TOP);
		}
	}

	/**
	 * Builds a page from rows fetched with {@code limit + 1}: the extra row, if present, proves there is a
	 * next page.
	 */
	public static <T> Page<T> of(List<T> rowsPlusOne, int limit, Function<T, Cursor> position) {
		if (rowsPlusOne.size() <= limit) {
			return new Page<>(List.copyOf(rowsPlusOne), null);
		}
		List<T> data = List.copyOf(rowsPlusOne.subList(0, limit));
		return new Page<>(data, position.apply(data.get(limit - 1)).encode());
	}
}
