package dev.ftindex.integrationtests;

import dev.ftindex.objectstore.testing.S3ProxyServer;
import java.net.URI;

/** The end-to-end suite against S3Proxy, started in this JVM on 127.0.0.1 (every run). */
class S3ProxyEndToEndTest extends EndToEndSuite {
    private static final S3ProxyServer SERVER = S3ProxyServer.shared();

    @Override
    S3Target target() {
        return new S3Target() {
            @Override
            public URI endpoint() {
                return SERVER.endpoint();
            }

            @Override
            public String accessKey() {
                return S3ProxyServer.ACCESS_KEY;
            }

            @Override
            public String secretKey() {
                return S3ProxyServer.SECRET_KEY;
            }

            @Override
            public String region() {
                return "us-east-1";
            }

            @Override
            public String newBucket() {
                return SERVER.newBucket();
            }

            @Override
            public boolean checksCredentials() {
                return true;
            }
        };
    }
}
