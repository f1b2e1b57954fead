{#-
    Great-circle (haversine) distance in km between two points given in
    degrees. Only standard math functions, so it runs on any adapter.
-#}
{% macro distance_km(lat1, lon1, lat2, lon2) %}
    {%- set to_radians = 0.017453292519943295 -%}
    2 * 6371.0088 * asin(sqrt(
        power(sin(({{ lat2 }} - {{ lat1 }}) * {{ to_radians }} / 2), 2)
        + cos({{ lat1 }} * {{ to_radians }}) * cos({{ lat2 }} * {{ to_radians }})
        * power(sin(({{ lon2 }} - {{ lon1 }}) * {{ to_radians }} / 2), 2)
    ))
{%- endmacro %}
