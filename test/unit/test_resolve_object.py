"""apache.resolve_object: dotted names and the class-instantiation rule."""

import types

import pytest

from mod_python import apache


def make_module():
    module = types.ModuleType("handlers")
    module.__file__ = "/srv/handlers.py"

    def handler(req):
        return 0

    class Page:
        def __init__(self, req):
            self.req = req

        def meth(self, req):
            return ("meth", self.req, req)

        class Inner:
            def __init__(self, req):
                self.req = req

            def deep(self, req):
                return self.req

    module.handler = handler
    module.Page = Page
    module.nothing = None
    return module


def test_plain_function():
    module = make_module()
    assert apache.resolve_object(module, "handler") is module.handler


def test_class_is_instantiated_with_arg_before_attribute_access():
    module = make_module()
    meth = apache.resolve_object(module, "Page.meth", arg="REQ")
    assert meth("R2") == ("meth", "REQ", "R2")


def test_nested_classes_are_each_instantiated():
    module = make_module()
    deep = apache.resolve_object(module, "Page.Inner.deep", arg="REQ")
    assert deep(None) == "REQ"


def test_final_class_is_not_instantiated():
    module = make_module()
    assert apache.resolve_object(module, "Page", arg="REQ") is module.Page


def test_missing_first_level_name_message():
    with pytest.raises(AttributeError) as info:
        apache.resolve_object(make_module(), "nonexistent")
    assert str(info.value) == \
        "module '/srv/handlers.py' contains no 'nonexistent'"


def test_missing_deeper_name_raises_attribute_error():
    with pytest.raises(AttributeError):
        apache.resolve_object(make_module(), "Page.nope", arg=1)


def test_silent_missing_gives_none():
    module = make_module()
    assert apache.resolve_object(module, "authenhandler", silent=1) is None
    assert apache.resolve_object(module, "Page.nope", arg=1, silent=1) is None


def test_existing_none_attribute_is_returned():
    assert apache.resolve_object(make_module(), "nothing") is None
