package dev.tollgate.bench.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * nginx as a plain reverse proxy in front of the mock: a C event loop per core, keep-alive connections to the
 * upstream, no access log. It is the floor for what any proxy's extra hop adds on the machine at hand (two more
 * socket round trips through the kernel, and the wake-ups they cost); {@link GatewayBench} measures it interleaved
 * with Tollgate when given {@code --nginx <path to the nginx binary>}.
 */
final class NginxProxy {

    private NginxProxy() {}

    /**
     * The command that runs nginx in the foreground, listening on {@code port} and forwarding to the mock, with its
     * configuration, pid file and temporary files in a new directory.
     */
    static List<String> command(String nginx, int port, int mockPort) {
        try {
            Path dir = Files.createTempDirectory("bench-nginx-");
            // as many workers as cores, as the gateway has selectors
            String conf = """
                    daemon off;
                    worker_processes auto;
                    pid %1$s/nginx.pid;
                    error_log %1$s/error.log warn;
                    events { worker_connections 16384; }
                    http {
                        access_log off;
                        client_body_temp_path %1$s/body;
                        proxy_temp_path %1$s/proxy;
                        fastcgi_temp_path %1$s/fastcgi;
                        uwsgi_temp_path %1$s/uwsgi;
                        scgi_temp_path %1$s/scgi;
                        keepalive_requests 1000000;
                        upstream mock {
                            server 127.0.0.1:%3$d;
                            keepalive 1024;
                            keepalive_requests 1000000;
                        }
                        server {
                            listen 127.0.0.1:%2$d;
                            location / {
                                proxy_pass http://mock;
                                proxy_http_version 1.1;
                                proxy_set_header Connection "";
                            }
                        }
                    }
                    """.formatted(dir, port, mockPort);
            Path file = dir.resolve("nginx.conf");
            Files.writeString(file, conf);
            return List.of(nginx, "-p", dir.toString(), "-c", file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
