package dev.subdesk.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small SMTP server on a real socket whose answers a test decides: it refuses some recipients for good
 * ({@code 550}), keeps others busy ({@code 451}) until released, holds its answer to a message it took until the test
 * lets it go, or accepts connections and never says a word.
 * It records, in order, the recipient of every message it took.
 */
public final class ScriptedSmtpServer implements AutoCloseable {

	private final ServerSocket socket;
	private final List<String> delivered = new CopyOnWriteArrayList<>();
	private final Set<String> refused = ConcurrentHashMap.newKeySet();
	private final Set<String> busy = ConcurrentHashMap.newKeySet();
	private final Map<String, AtomicInteger> busyReplies = new ConcurrentHashMap<>();
	private final List<Socket> silent = new CopyOnWriteArrayList<>();
	private final Map<String, Semaphore> held = new ConcurrentHashMap<>();
	private volatile boolean hanging;
	private volatile boolean offersStartTls;
	private final AtomicInteger startTlsAsked = new AtomicInteger();

	public ScriptedSmtpServer() {
		try {
			socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		}
		catch (IOException e) {
			throw new UncheckedIOException(e);
		}
		Thread acceptor = new Thread(this::accept, "scripted-smtp");
		acceptor.setDaemon(true);
		acceptor.start();
	}

	public int port() {
		return socket.getLocalPort();
	}

	/** Every message to {@code address} is refused with {@code 550}. */
	public void refuseForGood(String address) {
		refused.add(address.toLowerCase(Locale.ROOT));
	}

	/** Messages to {@code address} get {@code 451} until {@link #free(String)}. */
	public void keepBusy(String address) {
		busy.add(address.toLowerCase(Locale.ROOT));
	}

	public void free(String address) {
		busy.remove(address.toLowerCase(Locale.ROOT));
	}

	/**
	 * Every message to {@code address} is taken (and recorded as delivered), but the server's answer to it, the
	 * {@code 250} that tells the client it was accepted, waits until {@link #answerOneHeld(String)} lets it go, the one
	 * that waited longest first.
	 */
	public void holdAnswers(String address) {
		held.putIfAbsent(address.toLowerCase(Locale.ROOT), new Semaphore(0, true));
	}

	/** How many messages to {@code address} are taken and wait for their answer now. */
	public int heldAnswers(String address) {
		Semaphore gate = held.get(address.toLowerCase(Locale.ROOT));
		return gate == null ? 0 : gate.getQueueLength();
	}

	/** Lets the answer of the message to {@code address} that waited longest go. */
	public void answerOneHeld(String address) {
		held.get(address.toLowerCase(Locale.ROOT)).release();
	}

	/** How many times a message to {@code address} was answered {@code 451}. */
	public int busyReplies(String address) {
		AtomicInteger n = busyReplies.get(address.toLowerCase(Locale.ROOT));
		return n == null ? 0 : n.get();
	}

	/**
	 * From now on the server offers STARTTLS (in its EHLO answer) and, asked for it, answers that TLS is not available
	 * now ({@code 454}): a client that wants TLS then sends nothing in the clear.
	 */
	public void offerStartTls() {
		offersStartTls = true;
	}

	/** How many times a client asked for STARTTLS. */
	public int startTlsAsked() {
		return startTlsAsked.get();
	}

	/** From now on, connections are accepted and never answered. */
	public void hang() {
		hanging = true;
	}

	/** Stops hanging: the connections kept silent are closed, and new ones are served again. */
	public void answerAgain() {
		hanging = false;
		silent.forEach(ScriptedSmtpServer::closeQuietly);
		silent.clear();
	}

	/** Connections accepted while hanging and still held open. */
	public int silentConnections() {
		return silent.size();
	}

	/** The recipients of the messages taken, in the order they were taken. */
	public List<String> delivered() {
		return List.copyOf(delivered);
	}

	@Override
	public void close() {
		answerAgain();
		closeQuietly(socket);
	}

	private void accept() {
		while (!socket.isClosed()) {
			try {
				Socket client = socket.accept();
				if (hanging) {
					silent.add(client);
					continue;
				}
				Thread session = new Thread(() -> serve(client), "scripted-smtp-session");
				session.setDaemon(true);
				session.start();
			}
			catch (IOException e) {
				return;
			}
		}
	}

	private void serve(Socket client) {
		try (client) {
			BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
			OutputStream out = client.getOutputStream();
			reply(out, "220 scripted.test ESMTP");
			String recipient = null;
			String line;
			while ((line = in.readLine()) != null) {
				String command = line.toUpperCase(Locale.ROOT);
				if (command.startsWith("EHLO") && offersStartTls) {
					reply(out, "250-scripted.test");
					reply(out, "250 STARTTLS");
				}
				else if (command.startsWith("EHLO") || command.startsWith("HELO")) {
					reply(out, "250 scripted.test");
				}
				else if (command.equals("STARTTLS")) {
					startTlsAsked.incrementAndGet();
					reply(out, "454 4.7.0 TLS not available due to temporary reason");
				}
				else if (command.startsWith("MAIL FROM")) {
					recipient = null;
					reply(out, "250 2.1.0 OK");
				}
				else if (command.startsWith("RCPT TO")) {
					String address = line.substring(line.indexOf('<') + 1, line.lastIndexOf('>')).toLowerCase(Locale.ROOT);
					if (refused.contains(address)) {
						reply(out, "550 5.1.1 <" + address + ">: Recipient address rejected: mailbox unavailable");
					}
					else if (busy.contains(address)) {
						busyReplies.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
						reply(out, "451 4.2.1 <" + address + ">: Mailbox busy, try again later");
					}
					else {
						recipient = address;
						reply(out, "250 2.1.5 OK");
					}
				}
				else if (command.equals("DATA")) {
					reply(out, "354 End data with <CR><LF>.<CR><LF>");
					while ((line = in.readLine()) != null && !line.equals(".")) {
						// the message text is not kept
					}
					if (recipient != null) {
						delivered.add(recipient);
						Semaphore gate = held.get(recipient);
						if (gate != null) {
							gate.acquireUninterruptibly();
						}
					}
					reply(out, "250 2.0.0 OK queued");
				}
				else if (command.equals("QUIT")) {
					reply(out, "221 2.0.0 Bye");
					return;
				}
				else {
					reply(out, "250 OK");
				}
			}
		}
		catch (IOException e) {
			// the client went away
		}
	}

	private static void reply(OutputStream out, String line) throws IOException {
		out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
		out.flush();
	}

	private static void closeQuietly(AutoCloseable closeable) {
		try {
			closeable.close();
		}
		catch (Exception e) {
			// already closed
		}
	}
}
