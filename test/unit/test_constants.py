"""Constants and simple re-exports of mod_python.apache (E-106..108, 123, 124)."""

from mod_python import apache


def test_return_codes():
    assert (apache.OK, apache.DECLINED, apache.DONE) == (0, -1, -2)
    assert apache.REQ_PROCEED == 0 and apache.REQ_NOACTION == -1
    assert apache.REQ_ABORTED == 500 and apache.REQ_EXIT == "REQ_EXIT"
    assert apache.HTTP_NOT_FOUND == 404
    assert apache.HTTP_INTERNAL_SERVER_ERROR == 500
    assert apache.HTTP_NOT_EXTENDED == 510


def test_log_levels():
    names = ["EMERG", "ALERT", "CRIT", "ERR", "WARNING", "NOTICE", "INFO",
             "DEBUG"]
    assert [getattr(apache, "APLOG_" + n) for n in names] == list(range(8))
    assert apache.APLOG_NOERRNO == 0


def test_other_constants():
    assert apache.M_GET == 0 and apache.M_POST == 2 and apache.M_INVALID == 26
    assert apache.URI_PATH == 6 and apache.FINFO_FNAME == 10
    assert apache.FINFO_FILETYPE == 12
    assert apache.PROXYREQ_RESPONSE == 3
    assert apache.AP_MPMQ_IS_THREADED == 2 and apache.AP_MPMQ_MAX_DAEMONS == 12
    assert apache.REMOTE_NOLOOKUP == 2
    assert apache.APR_FINFO_MIN == 0x8170 and apache.APR_FINFO_NORM == 0x73b170
    assert apache.APR_NOFILE == 0 and apache.APR_REG == 1
    assert apache.APR_UNKFILE == 127
    assert apache.AP_CONN_KEEPALIVE == 2
    assert apache.DIR_MAGIC_TYPE == "httpd/unix-directory"
    assert apache.REQUEST_CHUNKED_DECHUNK == 2
    assert apache.AP_REQ_DEFAULT_PATH_INFO == 2


def test_reexports():
    import _apache
    assert apache.make_table is apache.table is _apache.table
    assert apache.SERVER_RETURN is _apache.SERVER_RETURN
    assert issubclass(apache.SERVER_RETURN, Exception)
    assert apache.log_error is _apache.log_error
    assert apache.exists_config_define is _apache.exists_config_define
    assert apache.MODULE_MAGIC_NUMBER_MAJOR == 20120211
    assert not hasattr(apache, "parse_qs")
