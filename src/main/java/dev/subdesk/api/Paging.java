package dev.subdesk.api;

import dev.subdesk.api.Views.ListView;
import dev.subdesk.sealing.KeyEncryptionKey;
import dev.subdesk.shared.Page;
import dev.subdesk.shared.SubdeskException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * Reads {@code ?limit=} (1-100, default 20; outside that {@code 400}) and {@code ?cursor=}, and gives the
 * {@code nextCursor} of a page. A cursor is the position of the page's last row and an HMAC-SHA256 tag (truncated to
 * 96 bits) over that position and the list's path, under a key derived from the key-encryption key
 * ({@link KeyEncryptionKey#derive}: the same on every node and across restarts), all URL-safe base64 without padding:
 * a cursor the server did not give, or gave for another list, is {@code 400} on {@code cursor}, whatever its shape. A
 * cursor signed under a previous key-encryption key still listed opens too.
 */
@Component
final class Paging {

	private static final int TAG_BYTES = 12;

	private static final String INVALID = "is not a cursor this server gave";

	/**
	 * The key cursors are signed with (derived from the current key-encryption key) first, then those derived from
	 * the previous ones ({@code SUBDESK_ENTITLEMENT_KEK_PREVIOUS}): a cursor given before a rotation of the
	 * key-encryption key still opens while its key is listed, and the next one given is signed with the current key.
	 */
	private final List<SecretKeySpec> keys;

	Paging(KeyEncryptionKey kek) {
		this.keys = kek.derivedKeys("list cursors").stream().map(k -> new SecretKeySpec(k, "HmacSHA256")).toList();
	}

	Page.Request of(@Nullable String limit, @Nullable String cursor) {
		int size = 20;
		if (limit != null) {
			try {
				size = Integer.parseInt(limit.trim());
			}
			catch (NumberFormatException e) {
				throw SubdeskException.invalid("limit", "must be an integer from 1 to 100");
			}
			if (size < 1 || size > 100) {
				throw SubdeskException.invalid("limit", "must be an integer from 1 to 100");
			}
		}
		if (cursor == null || cursor.isEmpty()) {
			return Page.Request.first(size);
		}
		Page.Cursor after = open(cursor, list()).orElseThrow(() -> SubdeskException.invalid("cursor", INVALID));
		return new Page.Request(size, after);
	}

	/** The answer of a list: the page's items as {@code view} shows them and the signed cursor of the next page. */
	<S, T> ListView<T> list(Page<S> page, Function<S, T> view) {
		Page.Cursor next = page.next();
		return new ListView<>(page.data().stream().map(view).toList(), next == null ? null : seal(next, list()));
	}

	/**
	 * One page of a short list held in memory, in its own order (the catalog, the receipt keys). Its cursor is the
	 * index of the next item, carried as a {@link Page.Cursor} with key 0; any other cursor is {@code 400}.
	 */
	<T> Page<T> slice(List<T> items, @Nullable String limit, @Nullable String cursor) {
		Page.Request request = of(limit, cursor);
		int from = 0;
		if (!request.after().equals(Page.Cursor.TOP)) {
			Page.Cursor after = request.after();
			if (after.key() != 0 || after.seq() > items.size()) {
				throw SubdeskException.invalid("cursor", INVALID);
			}
			from = (int) after.seq();
		}
		int to = Math.min(items.size(), from + request.limit());
		Page.Cursor next = to < items.size() ? new Page.Cursor(0, to) : null;
		return new Page<>(List.copyOf(items.subList(from, to)), next);
	}

	/**
	 * The list a cursor belongs to: the path the request being answered is routed by (percent-decoded, so every
	 * spelling of one list's path shares its cursors), none outside a request.
	 */
	private static String list() {
		if (RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes request) {
			return ApiSecurity.routedPath(request.getRequest());
		}
		return "";
	}

	/** The cursor the server gives for {@code position} in {@code list}. */
	String seal(Page.Cursor position, String list) {
		ByteArrayOutputStream out = new ByteArrayOutputStream(32);
		writeNumber(out, position.key());
		writeNumber(out, position.seq());
		byte[] payload = out.toByteArray();
		byte[] sealed = Arrays.copyOf(payload, payload.length + TAG_BYTES);
		System.arraycopy(tag(keys.getFirst(), payload, list), 0, sealed, payload.length, TAG_BYTES);
		return Base64.getUrlEncoder().withoutPadding().encodeToString(sealed);
	}

	/** The position of a cursor this server gave for {@code list}; empty for any other string. */
	Optional<Page.Cursor> open(String cursor, String list) {
		byte[] sealed;
		try {
			sealed = Base64.getUrlDecoder().decode(cursor);
		}
		catch (IllegalArgumentException e) {
			return Optional.empty();
		}
		if (sealed.length <= TAG_BYTES || cursor.endsWith("=")) {
			return Optional.empty();
		}
		byte[] payload = Arrays.copyOf(sealed, sealed.length - TAG_BYTES);
		byte[] given = Arrays.copyOfRange(sealed, payload.length, sealed.length);
		if (keys.stream().noneMatch(key -> MessageDigest.isEqual(given, Arrays.copyOf(tag(key, payload, list), TAG_BYTES)))) {
			return Optional.empty();
		}
		int[] at = { 0 };
		long key = readNumber(payload, at);
		long seq = readNumber(payload, at);
		if (key < 0 || seq < 0 || at[0] != payload.length) {
			return Optional.empty();
		}
		return Optional.of(new Page.Cursor(key, seq));
	}

	private static byte[] tag(SecretKeySpec key, byte[] payload, String list) {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(key);
			mac.update(list.getBytes(StandardCharsets.UTF_8));
			mac.update((byte) 0);
			return mac.doFinal(payload);
		}
		catch (GeneralSecurityException e) {
			throw new IllegalStateException("HMAC-SHA256 is not available", e);
		}
	}

	/** A number that is not negative, 7 bits a byte, the last byte without its high bit. */
	private static void writeNumber(ByteArrayOutputStream out, long value) {
		long rest = value;
		while ((rest & ~0x7FL) != 0) {
			out.write((int) ((rest & 0x7F) | 0x80));
			rest >>>= 7;
		}
		out.write((int) rest);
	}

	/** The number at {@code at[0]}, which moves past it; -1 when the bytes end first or it is too long. */
	private static long readNumber(byte[] bytes, int[] at) {
		long value = 0;
		for (int shift = 0; shift < 63 && at[0] < bytes.length; shift += 7) {
			int b = bytes[at[0]++];
			value |= (long) (b & 0x7F) << shift;
			if ((b & 0x80) == 0) {
				return value;
			}
		}
		return -1;
	}
}
