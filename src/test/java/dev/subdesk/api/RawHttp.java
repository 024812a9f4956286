package dev.subdesk.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * HTTP/1.1 over a plain socket, so that a request target goes out exactly as written ({@code %76%31}, {@code /./},
 * {@code //}, {@code ;}): an HTTP client library would normalise or refuse most of these spellings.
 */
final class RawHttp {

	/** A status line's code, the header block and the body as text. */
	record Answer(int status, String head, String body) {

		String contentType() {
			return head.lines()
				.filter(line -> line.toLowerCase(Locale.ROOT).startsWith("content-type:"))
				.map(line -> line.substring(line.indexOf(':') + 1).trim())
				.findFirst()
				.orElse("");
		}

		@Override
		public String toString() {
			return status + " " + body;
		}
	}

	private final int port;

	RawHttp(int port) {
		this.port = port;
	}

	Answer send(String method, String target, Map<String, String> headers, @Nullable String body) {
		StringBuilder request = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
			.append("Host: localhost\r\nConnection: close\r\n");
		if (headers.keySet().stream().noneMatch("Accept"::equalsIgnoreCase)) {
			request.append("Accept: application/json\r\n");
		}
		headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
		byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
		if (body != null) {
			request.append("Content-Type: application/json\r\nContent-Length: ").append(content.length).append("\r\n");
		}
		request.append("\r\n");
		try (Socket socket = new Socket("localhost", port)) {
			socket.setSoTimeout(30_000);
			socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
			socket.getOutputStream().write(content);
			String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
			int split = answer.indexOf("\r\n\r\n");
			String head = split < 0 ? answer : answer.substring(0, split);
			String rest = split < 0 ? "" : answer.substring(split + 4);
			if (head.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
				rest = unchunk(rest);
			}
			return new Answer(Integer.parseInt(head.substring(9, 12)), head,
					new String(rest.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
		}
		catch (IOException e) {
			throw new UncheckedIOException(method + " " + target, e);
		}
	}

	private static String unchunk(String chunked) {
		StringBuilder body = new StringBuilder();
		int at = 0;
		while (at < chunked.length()) {
			int end = chunked.indexOf("\r\n", at);
			if (end < 0) {
				break;
			}
			int size = Integer.parseInt(chunked.substring(at, end).split(";")[0].trim(), 16);
			if (size == 0) {
				break;
			}
			body.append(chunked, end + 2, Math.min(chunked.length(), end + 2 + size));
			at = end + 2 + size + 2;
		}
		return body.toString();
	}
}
