package dev.subdesk.shared;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * One page of a list, newest first, and the cursor of the next page. Rows are ordered by
 * {@code (created_at DESC, seq DESC)}; a cursor is the position of the last row returned.
 */
public record Page<T>(List<T> data, @Nullable String nextCursor) {

	public <R> Page<R> map(Function<T, R> mapper) {
		return new Page<>(data.stream().map(mapper).toList(), nextCursor);
	}

	/** Where a page starts: after {@code (createdAt, seq)}, or at the top. */
	public record Cursor(Instant createdAt, long seq) {

		public static final Cursor TOP = new Cursor(Instant.parse("9999-12-31T00:00:00Z"), Long.MAX_VALUE);

		public String encode() {
			String raw = createdAt.getEpochSecond() + ":" + seq;
			return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
		}

		/**
		 * Decodes a cursor a client sent back; empty when it is not one the server could have given: exactly the
		 * encoding {@link #encode()} makes (no padding, no leading zeros or signs, one {@code :}), an instant from
		 * the epoch to {@link #TOP} and a position that is not negative. So a made-up cursor is the client's error,
		 * never an instant the database cannot hold.
		 */
		public static Optional<Cursor> decode(String cursor) {
			try {
				String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
				String[] parts = raw.split(":", -1);
				if (parts.length != 2) {
					return Optional.empty();
				}
				long seconds = Long.parseLong(parts[0]);
				long seq = Long.parseLong(parts[1]);
				if (seconds < 0 || seconds > TOP.createdAt().getEpochSecond() || seq < 0) {
					return Optional.empty();
				}
				Cursor decoded = new Cursor(Instant.ofEpochSecond(seconds), seq);
				return decoded.encode().equals(cursor) ? Optional.of(decoded) : Optional.empty();
			}
			catch (IllegalArgumentException | java.time.DateTimeException e) {
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
