package dev.potluck.node.http;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.ClientOptionsBase;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.transport.Transport;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;

/**
 * The one seam through which Potluck reaches below Vert.x's HTTP API, to the Netty channel of a client
 * connection ({@link PipelinedPrefetch} watches requests there as they are decoded).
 *
 * <p>Vert.x 5 keeps a connection's channel in its internal classes. Its public transport SPI
 * ({@link io.vertx.core.spi.transport.Transport}) does see the bootstrap of every server it binds: this
 * transport delegates everything to the real one (epoll or NIO) and, for each connection an HTTP server
 * accepts, remembers the channel under its two addresses until it closes, for the server's handlers to
 * {@link #channelOf look up}. Nothing else changes. {@code ConnectionChannelsTest} fails if a
 * Vert.x upgrade stops calling the SPI this way.
 *
 * <p>Thread-safe: channels are remembered on their event loops and looked up from any thread.
 */
public final class ConnectionChannels implements Transport {

  private final Transport real;
  private final Spi spi;
  private final Map<String, Channel> open = new ConcurrentHashMap<>();

  private ConnectionChannels(Transport real) {
    this.real = real;
    this.spi = new Spi(real.implementation());
  }

  /** Wraps the native transport where it is available (Linux epoll), else Java NIO. */
  public static ConnectionChannels overBestTransport() {
    Transport nativeTransport = Transport.nativeTransport();
    return new ConnectionChannels(nativeTransport != null && nativeTransport.available() ? nativeTransport : Transport.NIO);
  }

  /** The transport this one delegates to: its name says whether it is native. */
  public Transport real() {
    return real;
  }

  /**
   * The channel under {@code connection}, while it is open: empty for a connection of a server this
   * transport did not bind. The channel's event loop is the connection's.
   */
  public Optional<Channel> channelOf(HttpConnection connection) {
    SocketAddress local = connection.localAddress();
    SocketAddress remote = connection.remoteAddress();
    if (local == null || remote == null || local.hostAddress() == null || remote.hostAddress() == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(open.get(key(local.hostAddress(), local.port(), remote.hostAddress(), remote.port())));
  }

  /**
   * Puts {@code handler} just before Vert.x's own connection handler, the last in a connection channel's
   * pipeline: there requests arrive decoded, and responses pass as HTTP objects, not yet bytes.
   */
  public static void insertBeforeVertx(Channel channel, String name, ChannelHandler handler) {
    channel.pipeline().addBefore(channel.pipeline().lastContext().name(), name, handler);
  }

  /** Connections accepted and not yet closed: what this transport holds. */
  int held() {
    return open.size();
  }

  private void accepted(Channel channel) {
    if (channel.localAddress() instanceof InetSocketAddress local
        && channel.remoteAddress() instanceof InetSocketAddress remote
        && local.getAddress() != null && remote.getAddress() != null) {
      String key = key(local.getAddress().getHostAddress(), local.getPort(), remote.getAddress().getHostAddress(),
          remote.getPort());
      open.put(key, channel);
      channel.closeFuture().addListener(f -> open.remove(key, channel));
    }
  }

  private static String key(String localHost, int localPort, String remoteHost, int remotePort) {
    return localHost + ' ' + localPort + ' ' + remoteHost + ' ' + remotePort;
  }

  @Override
  public String name() {
    return real.name();
  }

  @Override
  public boolean available() {
    return real.available();
  }

  @Override
  public Throwable unavailabilityCause() {
    return real.unavailabilityCause();
  }

  @Override
  public io.vertx.core.spi.transport.Transport implementation() {
    return spi;
  }

  /** The real transport's SPI, but that an HTTP server's accepted channels are {@link #accepted remembered}. */
  private final class Spi implements io.vertx.core.spi.transport.Transport {

    private final io.vertx.core.spi.transport.Transport delegate;

    Spi(io.vertx.core.spi.transport.Transport delegate) {
      this.delegate = delegate;
    }

    @Override
    public void configure(NetServerOptions options, boolean domainSocket, ServerBootstrap bootstrap) {
      delegate.configure(options, domainSocket, bootstrap);
      ChannelHandler vertxInitializer = bootstrap.config().childHandler();
      if (domainSocket || !(options instanceof HttpServerOptions) || vertxInitializer == null) {
        return;
      }
      bootstrap.childHandler(new ChannelInitializer<>() {
        @Override
        protected void initChannel(Channel channel) {
          accepted(channel);
          channel.pipeline().addLast(vertxInitializer);
        }
      });
    }

    @Override
    public boolean supportsDomainSockets() {
      return delegate.supportsDomainSockets();
    }

    @Override
    public boolean supportFileRegion() {
      return delegate.supportFileRegion();
    }

    @Override
    public boolean isAvailable() {
      return delegate.isAvailable();
    }

    @Override
    public Throwable unavailabilityCause() {
      return delegate.unavailabilityCause();
    }

    @Override
    public java.net.SocketAddress convert(SocketAddress address) {
      return delegate.convert(address);
    }

    @Override
    public SocketAddress convert(java.net.SocketAddress address) {
      return delegate.convert(address);
    }

    @Override
    public IoHandlerFactory ioHandlerFactory() {
      return delegate.ioHandlerFactory();
    }

    @Override
    public EventLoopGroup eventLoopGroup(int type, int threads, ThreadFactory threadFactory, int ioRatio) {
      return delegate.eventLoopGroup(type, threads, threadFactory, ioRatio);
    }

    @Override
    public DatagramChannel datagramChannel() {
      return delegate.datagramChannel();
    }

    @Override
    public DatagramChannel datagramChannel(InternetProtocolFamily family) {
      return delegate.datagramChannel(family);
    }

    @Override
    public ChannelFactory<? extends Channel> channelFactory(boolean domainSocket) {
      return delegate.channelFactory(domainSocket);
    }

    @Override
    public ChannelFactory<? extends ServerChannel> serverChannelFactory(boolean domainSocket) {
      return delegate.serverChannelFactory(domainSocket);
    }

    @Override
    public void configure(DatagramChannel channel, DatagramSocketOptions options) {
      delegate.configure(channel, options);
    }

    @Override
    public void configure(ClientOptionsBase options, int connectTimeout, boolean domainSocket, Bootstrap bootstrap) {
      delegate.configure(options, connectTimeout, domainSocket, bootstrap);
    }
  }
}
