package dev.subdesk.webhooks;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Locale;

/**
 * The webhook benchmark's receiver: HTTP/1.1 with keep-alive on the loopback, one thread and one selector, reading
 * each request whole (headers, then {@code Content-Length} bytes of body) and answering {@code 204} at once. The
 * benchmark shares the two cores with the dispatcher it measures, so its receiver must cost little: the JDK's
 * {@code HttpServer} (a virtual thread, a headers map and a response object per request) allocated about a third of
 * the benchmark JVM's bytes. Requests without a {@code Content-Length} (chunked) are not for this receiver: it closes
 * their connection, and the dispatcher never sends one.
 */
final class LeanReceiver implements AutoCloseable {

	private static final byte[] NO_CONTENT = "HTTP/1.1 204 No Content\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

	private static final int MOST_HEADER_BYTES = 64 * 1024;

	private final ServerSocketChannel server;

	private final Selector selector;

	private final Thread loop;

	private final Arrivals received;

	/** Tells {@code received} of each request read whole. */
	LeanReceiver(Arrivals received) throws IOException {
		this.received = received;
		this.selector = Selector.open();
		this.server = ServerSocketChannel.open();
		this.server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
		this.server.configureBlocking(false);
		this.server.register(this.selector, SelectionKey.OP_ACCEPT);
		this.loop = Thread.ofPlatform().name("lean-receiver").daemon().start(this::run);
	}

	int port() {
		return this.server.socket().getLocalPort();
	}

	@Override
	public void close() throws IOException {
		this.selector.close();
		this.server.close();
		this.loop.interrupt();
	}

	private void run() {
		try {
			while (this.selector.isOpen()) {
				this.selector.select();
				Iterator<SelectionKey> keys = this.selector.selectedKeys().iterator();
				while (keys.hasNext()) {
					SelectionKey key = keys.next();
					keys.remove();
					if (!key.isValid()) {
						continue;
					}
					if (key.isAcceptable()) {
						accept();
					}
					else if (key.isReadable()) {
						read(key);
					}
				}
			}
		}
		catch (ClosedSelectorException | IOException e) {
			// closed: the benchmark is over
		}
	}

	private void accept() throws IOException {
		SocketChannel channel = this.server.accept();
		if (channel != null) {
			channel.configureBlocking(false);
			channel.register(this.selector, SelectionKey.OP_READ, new Connection());
		}
	}

	private void read(SelectionKey key) {
		SocketChannel channel = (SocketChannel) key.channel();
		Connection connection = (Connection) key.attachment();
		try {
			if (channel.read(connection.in) < 0 || !connection.take(channel)) {
				key.cancel();
				channel.close();
			}
		}
		catch (IOException e) {
			key.cancel();
			try {
				channel.close();
			}
			catch (IOException ignored) {
				// already gone
			}
		}
	}

	/** One keep-alive connection: what it sent so far, and how much of the current request's body is still to come. */
	private final class Connection {

		private final ByteBuffer in = ByteBuffer.allocate(MOST_HEADER_BYTES);

		/** Body bytes of the current request still to read; -1 while its headers are being read. */
		private long bodyLeft = -1;

		/** Takes the complete requests read so far and answers each; false if the connection must be closed. */
		boolean take(SocketChannel channel) throws IOException {
			this.in.flip();
			while (true) {
				if (this.bodyLeft < 0) {
					int end = headersEnd();
					if (end < 0) {
						break;
					}
					String headers = new String(this.in.array(), this.in.position(), end - this.in.position(),
							StandardCharsets.ISO_8859_1);
					this.in.position(end + 4);
					this.bodyLeft = contentLength(headers);
					if (this.bodyLeft < 0) {
						return false;
					}
				}
				int skip = (int) Math.min(this.bodyLeft, this.in.remaining());
				this.in.position(this.in.position() + skip);
				this.bodyLeft -= skip;
				if (this.bodyLeft > 0) {
					break;
				}
				this.bodyLeft = -1;
				ByteBuffer answer = ByteBuffer.wrap(NO_CONTENT);
				while (answer.hasRemaining()) {
					channel.write(answer);
				}
				LeanReceiver.this.received.arrived();
			}
			this.in.compact();
			// headers larger than the buffer: not a webhook
			return this.in.hasRemaining();
		}

		/** Where {@code \r\n\r\n} starts in what is unread, or -1. */
		private int headersEnd() {
			byte[] bytes = this.in.array();
			for (int i = this.in.position(); i + 3 < this.in.limit(); i++) {
				if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n') {
					return i;
				}
			}
			return -1;
		}

		private static long contentLength(String headers) {
			for (String line : headers.split("\r\n")) {
				int colon = line.indexOf(':');
				if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
					try {
						return Long.parseLong(line.substring(colon + 1).trim());
					}
					catch (NumberFormatException e) {
						return -1;
					}
				}
			}
			return -1;
		}
	}
}
