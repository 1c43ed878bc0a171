"""How each backend is reached: the options handed to the clients, built from the settings."""

import pytest
from pydantic import ValidationError

from backends.access import ElasticsearchAccess, HttpAccess, KafkaAccess
from worker.config import elasticsearch_access, http_access, kafka_access, load_settings


def test_plaintext_kafka_gets_only_its_bootstrap():
    assert KafkaAccess("b:9092").options() == {"bootstrap_servers": "b:9092", "security_protocol": "PLAINTEXT"}


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
def test_sasl_ssl_kafka_gets_its_mechanism_credentials_and_ca(mechanism, tmp_path):
    secret = tmp_path / "kafka_password"
    secret.write_text("s3cret\n")
    settings = load_settings(kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism=mechanism, kafka_username="fc",
                             kafka_password_file=secret, kafka_ca_file=tmp_path / "ca.pem")
    options = kafka_access(settings).options()
    assert options == {"bootstrap_servers": "127.0.0.1:9092", "security_protocol": "SASL_SSL", "sasl_mechanism": mechanism,
                       "sasl_plain_username": "fc", "sasl_plain_password": "s3cret", "ssl_check_hostname": True,
                       "ssl_cafile": str(tmp_path / "ca.pem")}
    assert "s3cret" not in repr(kafka_access(settings)) and "s3cret" not in repr(settings)


def test_mutual_tls_kafka_gets_the_client_certificate():
    options = KafkaAccess("b:9093", "SSL", cert_file="c.pem", key_file="k.pem", key_password="pw").options()
    assert (options["ssl_certfile"], options["ssl_keyfile"], options["ssl_password"]) == ("c.pem", "k.pem", "pw")
    assert "sasl_mechanism" not in options


def test_elasticsearch_api_key_wins_over_basic_auth_and_a_fingerprint_replaces_a_ca():
    assert ElasticsearchAccess("https://es:9200", api_key="k", username="u", password="p").options() == {"api_key": "k"}
    assert ElasticsearchAccess("https://es:9200", username="u", password="p", fingerprint="AB:CD").options() == {
        "basic_auth": ("u", "p"), "ssl_assert_fingerprint": "AB:CD"}
    assert "api_key='k'" not in repr(ElasticsearchAccess("https://es:9200", api_key="k"))


def test_prometheus_gets_a_bearer_token_or_basic_auth_and_a_ca(tmp_path):
    with HttpAccess("http://prom:9090", bearer_token="t0ken").client(5) as client:
        assert client.headers["authorization"] == "Bearer t0ken" and client.auth is None
    with HttpAccess("http://prom:9090", username="u", password="p").client(5) as client:
        assert "authorization" not in client.headers and client.auth is not None
    settings = load_settings(prometheus_bearer_token="t0ken", alertmanager_url="http://am:9093", alertmanager_username="u")
    assert http_access(settings, "prometheus").bearer_token == "t0ken"
    assert http_access(settings, "alertmanager").username == "u"
    assert elasticsearch_access(load_settings()).options() == {}


def test_a_secret_comes_from_one_source_and_its_file_must_exist(tmp_path):
    with pytest.raises(ValidationError, match="give kafka_password or kafka_password_file, not both"):
        load_settings(kafka_password="a", kafka_password_file=tmp_path / "x")
    with pytest.raises(ValidationError, match="elasticsearch_password_file: no such file"):
        load_settings(elasticsearch_password_file=tmp_path / "missing")


def test_secrets_never_print(capsys):
    settings = load_settings(kafka_password="pw-kafka", elasticsearch_api_key="pw-es", prometheus_password="pw-prom")
    print(settings, settings.model_dump(mode="json"))
    assert "pw-" not in capsys.readouterr().out
